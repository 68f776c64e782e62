# المرحلة 6: الجدولة (الموارد، الحجز، الخطوط الزمنية، تحسين اليوم).

slot-step-harvest = الحصاد
slot-step-prepare = تحضير منتج المتبرع
slot-step-process = المعالجة
slot-step-inject = الحقن
slot-step-monitor = المراقبة

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
