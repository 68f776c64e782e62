# المرحلة ١٠: سجلات الأنظمة الأخرى المستوردة من حزم FHIR.

fhir-import-site = لا يوجد موقع كهذا من مواقعك للاستيراد إليه.
fhir-import-not-json = المحتوى ليس بصيغة JSON.
fhir-import-not-kept = لا يحتفظ Cellpath بهذا النوع من الموارد؛ لم يُستورد.
fhir-import-unknown-reference = يشير هذا إلى مريض غير موجود في الحزمة.
