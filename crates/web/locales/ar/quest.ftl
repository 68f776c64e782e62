## استبيانات المتابعة ومخططات النتائج وتقرير المجموعات.

quest-title = الاستبيانات والنتائج
quest-open = الاستبيانات والنتائج
quest-section-help = استبيانات الألم والركبة والظهر في كل متابعة، مع مخططات مقارنة بخط الأساس.
quest-portal-help = أجب عن استبيانات العيادة حول ألمك وحياتك اليومية، وشاهد كيف تتغير درجاتك.
nav-my-questionnaires = استبياناتي
quest-back-chart = العودة إلى الملف
quest-back-portal = العودة إلى ملفي
quest-back-list = العودة إلى الاستبيانات
quest-intro = يُجاب عن كل استبيان في موعد متابعة. تُظهر المخططات كل درجة عبر الزمن مقارنة بأول إجابة (خط الأساس)؛ والشريط المظلل هو أصغر تغيّر يُعد تغيّرًا حقيقيًا.
quest-answer = أجب عن هذا الاستبيان
quest-no-chart = لم يُجب عنه بعد.
quest-chart-legend = الخط المتقطع: خط الأساس؛ الشريط: خط الأساس ± أدنى تغيّر مهم؛ الخطوط المنقطة: جلسات العلاج
quest-responses = الإجابات حتى الآن
quest-responses-empty = لم يُجب عن أي استبيان بعد.
quest-when = متى
quest-questionnaire = الاستبيان
quest-timepoint = موعد المتابعة
quest-scores = الدرجات
quest-form-intro = اختر إجابة واحدة لكل سؤال. الأسئلة المعلّمة بـ * مطلوبة؛ ويمكن ترك غيرها إن لم تنطبق.
quest-save = احفظ الإجابات

timepoint-baseline = خط الأساس (قبل العلاج)
timepoint-1w = أسبوع واحد
timepoint-6w = ٦ أسابيع
timepoint-3m = ٣ أشهر
timepoint-6m = ٦ أشهر
timepoint-12m = ١٢ شهرًا
timepoint-other = أخرى

outcome-baseline-label = خط الأساس { $value } (± { $mic })
outcome-session-label = الجلسة { $number }
outcome-axis-days-session = الأيام منذ أول جلسة علاج
outcome-axis-days-baseline = الأيام منذ خط الأساس
outcome-no-score = لم تُحسب (إجابات قليلة جدًا)
outcome-percent = { $percent }٪

outcomes-title = النتائج
outcomes-intro = مرضى مواقعك حسب دواعي العلاج ومصدر الخلايا: لكل درجة، كم عدد من أجابوا، وكم لديهم خط أساس وإجابة لاحقة، وكم منهم تحسّن بما لا يقل عن أدنى تغيّر مهم (آخر إجابة مقارنة بخط الأساس).
outcomes-empty = لم يُجب عن أي استبيان بعد.
outcomes-indication = داعي العلاج
outcomes-cell-source = مصدر الخلايا
outcomes-score = الدرجة
outcomes-patients = المرضى
outcomes-compared = لديهم خط أساس ومتابعة
outcomes-improved = تحسّنوا
outcomes-share = نسبة من تحسّنوا
