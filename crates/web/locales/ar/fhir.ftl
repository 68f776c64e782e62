## نصوص OperationOutcome في واجهة FHIR.

fhir-problem-unknown-parameter = معامل البحث هذا غير مدعوم لهذا النوع من الموارد (راجع /fhir/metadata).
fhir-problem-unsupported-modifier = هذا المُعدِّل أو البادئة غير مدعومة.
fhir-problem-invalid-value = لا يمكن قراءة هذه القيمة.
fhir-problem-out-of-range = هذه القيمة خارج النطاق المسموح.
fhir-problem-repeated = لا يجوز تكرار هذا المعامل.
fhir-problem-unknown-type = هذا النوع من الموارد غير متاح (راجع /fhir/metadata).
fhir-problem-not-found = لا يوجد مورد كهذا.
fhir-problem-unauthenticated = يلزم رمز وصول صالح.
fhir-problem-forbidden = لا يجوز لهذا الحساب قراءة موارد FHIR.
fhir-problem-internal = حدث خطأ في الخادم.
