# المرحلة ١٠: تقارير العيادة لموقع خلال فترة.

reports-title = تقارير العيادة
reports-intro = أعداد الجلسات التي بدأت في الفترة في موقع واحد، وزيارات المتابعة المستحقة فيها. لا يُذكر اسم أي مريض.
reports-site = الموقع
reports-from = من
reports-to = إلى
reports-show = عرض
reports-csv = تنزيل بصيغة CSV
reports-sessions = { $count } جلسة سُجّل شيء في يومها.
reports-none = —
reports-minutes = { $minutes } دقيقة
reports-range = { $min }–{ $max } دقيقة
reports-at-least = { $min } دقيقة على الأقل

reports-steps-title = مدة الخطوات مقارنة بالبروتوكول
reports-col-step = الخطوة
reports-col-sessions = الجلسات
reports-col-median = الوسيط
reports-col-shortest = الأقصر
reports-col-longest = الأطول
reports-col-protocol = البروتوكول
reports-col-too-short = أقصر من اللازم
reports-col-too-long = أطول من اللازم
reports-whole-session = الجلسة كاملة

reports-deviations-title = الانحرافات حسب النوع
reports-col-kind = النوع
reports-col-deviations = الانحرافات
reports-col-sessions-touched = الجلسات التي فيها انحراف

reports-ae-title = الأحداث السلبية
reports-ae-treated = الجلسات التي أُعطيت فيها الخلايا
reports-ae-events = الأحداث السلبية المسجلة
reports-ae-rate = الأحداث لكل ١٠٠ جلسة
reports-ae-serious = خطيرة
reports-ae-related = ذات صلة محتملة أو مرجحة أو مؤكدة
reports-ae-sessions-with = جلسات فيها حدث واحد على الأقل
reports-ae-grade = الدرجة { $grade }

reports-fu-title = إتمام زيارات المتابعة
reports-fu-empty = لا تستحق أي زيارة متابعة في هذه الفترة.
reports-col-visit = الزيارة
reports-fu-visit = بعد { $days } يومًا
reports-col-due = المستحقة
reports-col-completion = المُتمّة
reports-fu-state-upcoming = لم يحن موعدها
reports-fu-state-unrecorded = لم تُسجّل
reports-fu-state-not-booked = لم تُحجز
reports-fu-state-attended = حضر
reports-fu-state-missed = لم يحضر
reports-fu-state-cancelled = أُلغيت

follow-up-col-attendance = هل حضر؟
follow-up-attended = حضر
follow-up-missed = لم يحضر
follow-up-mark-attended = حضر
follow-up-mark-missed = لم يحضر
