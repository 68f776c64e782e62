//! The OpenAPI 3.1 document of the JSON API, served at `/openapi.json`.

use crate::api;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "Cellpath API", description = "Patients and intake of a Cellpath clinic. Every call needs a bearer token from `cellpath token create`; errors are application/problem+json."),
    paths(
        api::list_patients,
        api::create_patient,
        api::get_patient,
        api::update_patient,
        api::list_intake,
        api::add_intake,
        api::update_intake,
        api::delete_intake,
        crate::healthz,
        crate::readyz,
    ),
    components(schemas(api::Problem, api::FieldProblem, api::PatientIn, api::PatientOut, api::PatientList, api::IntakeIn, api::IntakeOut)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
