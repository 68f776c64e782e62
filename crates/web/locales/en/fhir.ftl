## The FHIR interface's OperationOutcome texts.

fhir-problem-unknown-parameter = This search parameter is not supported for this resource type (see /fhir/metadata).
fhir-problem-unsupported-modifier = This modifier or prefix is not supported.
fhir-problem-invalid-value = This value cannot be read.
fhir-problem-out-of-range = This value is out of range.
fhir-problem-repeated = This parameter may be given only once.
fhir-problem-unknown-type = This resource type is not served (see /fhir/metadata).
fhir-problem-not-found = No such resource.
fhir-problem-unauthenticated = A valid bearer token is required.
fhir-problem-forbidden = This account may not read FHIR resources.
fhir-problem-internal = Something went wrong on the server.
