//! Bundles: the searchset of a search, one page of matches with its total
//! and its self/next/previous links. (Reading transaction Bundles for
//! import belongs here too.)

use crate::search::{OFFSET_PARAM, SearchRequest, percent_encode};
use crate::{Mapped, ResourceType};
use cellpath_domain::PatientId;
use serde_json::{Value, json};

/// A searchset and the patients whose data it carries (for the audit trail).
#[derive(Debug, Clone, PartialEq)]
pub struct Searchset {
    pub bundle: Value,
    pub patients: Vec<PatientId>,
}

/// The searchset of `request` over `candidates` (every resource of the type
/// the caller may see), ordered by id, paged, with links under `base` (the
/// server's `/fhir` URL).
pub fn searchset(
    base: &str,
    resource_type: ResourceType,
    request: &SearchRequest,
    candidates: Vec<Mapped>,
) -> Searchset {
    let mut matches: Vec<Mapped> = candidates
        .into_iter()
        .filter(|m| request.matches(m))
        .collect();
    matches.sort_by(|a, b| a.id.cmp(&b.id));
    let total = matches.len();
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
    });
    if request.summary_count {
        bundle["link"] = json!([link("self", base, resource_type, request, None)]);
        return Searchset {
            bundle,
            patients: Vec::new(),
        };
    }
    let page: Vec<Mapped> = matches
        .into_iter()
        .skip(request.offset)
        .take(request.count)
        .collect();
    let mut links = vec![link(
        "self",
        base,
        resource_type,
        request,
        Some(request.offset),
    )];
    if request.offset + request.count < total {
        links.push(link(
            "next",
            base,
            resource_type,
            request,
            Some(request.offset + request.count),
        ));
    }
    if request.offset > 0 {
        links.push(link(
            "previous",
            base,
            resource_type,
            request,
            Some(request.offset.saturating_sub(request.count)),
        ));
    }
    bundle["link"] = Value::Array(links);
    let mut patients: Vec<PatientId> = page.iter().filter_map(|m| m.patient).collect();
    patients.sort();
    patients.dedup();
    if !page.is_empty() {
        bundle["entry"] = Value::Array(
            page.into_iter()
                .map(|m| {
                    json!({
                        "fullUrl": format!("{base}/{}/{}", resource_type.name(), m.id),
                        "resource": m.resource,
                        "search": { "mode": "match" },
                    })
                })
                .collect(),
        );
    }
    Searchset { bundle, patients }
}

fn link(
    relation: &str,
    base: &str,
    resource_type: ResourceType,
    request: &SearchRequest,
    offset: Option<usize>,
) -> Value {
    let mut query: Vec<String> = request
        .criteria_params
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect();
    match offset {
        Some(offset) => {
            query.push(format!("_count={}", request.count));
            query.push(format!("{OFFSET_PARAM}={offset}"));
        }
        None => query.push("_summary=count".into()),
    }
    json!({
        "relation": relation,
        "url": format!("{base}/{}?{}", resource_type.name(), query.join("&")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{Site, location};
    use cellpath_domain::SiteId;
    use chrono::{TimeZone, Utc};

    fn sites(n: usize) -> Vec<Mapped> {
        (0..n)
            .map(|i| {
                location(&Site {
                    id: SiteId::new(),
                    code: format!("S{i}"),
                    name: format!("Site {i}"),
                    created_at: Utc
                        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                        .single()
                        .expect("time"),
                })
            })
            .collect()
    }

    fn request(query: &str) -> SearchRequest {
        let params = crate::search::parse_query(query).expect("query");
        crate::search::parse(ResourceType::Location, &params).expect("search")
    }

    fn relations(bundle: &Value) -> Vec<(String, String)> {
        bundle["link"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                (
                    l["relation"].as_str().unwrap_or("").to_string(),
                    l["url"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn pages_link_forward_and_back_and_keep_the_criteria() {
        let base = "http://h/fhir";
        let all = sites(5);
        let first = searchset(
            base,
            ResourceType::Location,
            &request("status=active&_count=2"),
            all.clone(),
        );
        assert_eq!(first.bundle["total"], 5);
        assert_eq!(first.bundle["entry"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            relations(&first.bundle),
            vec![
                (
                    "self".into(),
                    "http://h/fhir/Location?status=active&_count=2&_offset=0".into()
                ),
                (
                    "next".into(),
                    "http://h/fhir/Location?status=active&_count=2&_offset=2".into()
                ),
            ]
        );
        let last = searchset(
            base,
            ResourceType::Location,
            &request("status=active&_count=2&_offset=4"),
            all.clone(),
        );
        assert_eq!(last.bundle["entry"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            relations(&last.bundle)
                .into_iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            vec!["self", "previous"]
        );
        let mut seen: Vec<Value> = Vec::new();
        for offset in [0, 2, 4] {
            let page = searchset(
                base,
                ResourceType::Location,
                &request(&format!("_count=2&_offset={offset}")),
                all.clone(),
            );
            seen.extend(page.bundle["entry"].as_array().cloned().unwrap_or_default());
        }
        assert_eq!(seen.len(), 5, "the pages cover every match once");
        let counted = searchset(
            base,
            ResourceType::Location,
            &request("_summary=count"),
            all,
        );
        assert_eq!(counted.bundle["total"], 5);
        assert!(counted.bundle.get("entry").is_none());
    }
}
