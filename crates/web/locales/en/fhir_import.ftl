# Stage 10: other systems' records imported from FHIR Bundles.

fhir-import-site = There is no such site of yours to import into.
fhir-import-not-json = The body is not JSON.
fhir-import-not-kept = Cellpath does not keep this type of resource; it was not imported.
fhir-import-unknown-reference = This refers to a patient that is not in the Bundle.
