# المرحلة 6: الجدولة (الموارد، الحجز، الخطوط الزمنية، تحسين اليوم).

slot-step-harvest = الحصاد
slot-step-prepare = تحضير منتج المتبرع
slot-step-process = المعالجة
slot-step-inject = الحقن
slot-step-monitor = المراقبة
slot-step-follow-up = زيارة متابعة

need-room = غرفة إجراءات
need-physician = طبيب
need-nurse = ممرض/ممرضة
need-anaesthesia = مقدّم تخدير
need-tech = فني مختبر
need-centrifuge = جهاز طرد مركزي
need-imaging = جهاز تصوير
need-bay = سرير إفاقة

busy-booked = محجوز لجلسة أخرى
busy-off-duty = خارج الدوام
busy-break = في استراحة
busy-leave = في إجازة أو خارج الخدمة

clash-line = { $step } { $from }–{ $to }: لا يوجد { $need } متاح ({ $taken })
clash-none = { $step } { $from }–{ $to }: لا يوجد في هذا الموقع { $need } يمكنه القيام بذلك
clash-taken = { $resource }: { $reason } { $from }–{ $to }

## Resources page and booking on the plan page

nav-resources = الموارد
resources-title = الموارد
resources-empty = لا توجد موارد لهذا الموقع بعد.
resources-add = إضافة مورد
resources-back = العودة إلى الموارد
resources-hours = ساعات العمل
resources-break = الاستراحة
resources-state = الحالة
resource-edit-title = تعديل مورد
resource-active = قيد الاستخدام
resource-inactive = خارج الاستخدام
resource-every-day = كل يوم
resource-work-days-hint = سبعة أحرف من الاثنين إلى الأحد، و1 ليوم العمل: 1111100 تعني من الاثنين إلى الجمعة.
resource-conflict = غيّر شخص آخر هذا المورد أثناء تعديلك له. راجع القيم ثم احفظ مرة أخرى.
resource-day-1 = الاثنين
resource-day-2 = الثلاثاء
resource-day-3 = الأربعاء
resource-day-4 = الخميس
resource-day-5 = الجمعة
resource-day-6 = السبت
resource-day-7 = الأحد
resource-kind-procedure-room = غرف الإجراءات
resource-kind-physician = الأطباء
resource-kind-nurse = الممرضون
resource-kind-lab-tech = فنيو المختبر
resource-kind-anaesthesia = مقدمو التخدير
resource-kind-centrifuge = أجهزة الطرد المركزي
resource-kind-ultrasound = أجهزة الموجات فوق الصوتية
resource-kind-c-arm = أجهزة الأشعة المتحركة (سي آرم)
resource-kind-recovery-bay = أسرّة الإفاقة
field-resource-kind = النوع
field-resource-name = الاسم
field-resource-username = حساب الموظف (اسم المستخدم)
field-resource-work-days = أيام العمل
field-resource-work-start = بداية العمل
field-resource-work-end = نهاية العمل
field-resource-break-start = الاستراحة من
field-resource-break-end = الاستراحة حتى
field-resource-fluoroscopy = التنظير الفلوري
leave-title = الإجازات وأوقات التوقف عن الخدمة
leave-empty = لا توجد إجازات قادمة.
leave-add = إضافة إجازة
leave-remove = إزالة
field-leave-first-day = اليوم الأول
field-leave-last-day = اليوم الأخير
field-leave-reason = السبب
schedule-unavailable = لا يمكن الحجز في هذا الوقت:
free-times-title = البحث عن أوقات متاحة
free-times-from = من
free-times-to = إلى
free-times-button = بحث
free-times-none = لا يوجد وقت متاح في هذه الأيام.
free-times-some = أوقات البدء المتاحة (بالتوقيت العالمي)؛ اختر أحدها لحجزه:
session-steps = الخطوات
session-step-line = { $step } { $from }–{ $to }: { $resources }
session-move = نقل إلى
session-move-button = نقل
session-cancel-button = إلغاء هذه الجلسة
session-changed = لم تتغير الجلسة:
