# Cellpath: الفهرس العربي للموافقة (المرحلة 4) وما يمكن توقعه (المرحلة 9).
# كل مفتاح هنا موجود أيضًا في ../en/consent.ftl.

nav-what-to-expect = ما يمكن توقعه
nav-my-consents = موافقاتي
nav-consent-texts = نصوص الموافقة
nav-answers = إجابات المرضى

## موافقة الخطة، في البوابة وعلى جهاز العيادة.
consent-title = الموافقة
consent-open = الموافقة
consent-state-label = الموافقة
consent-state-valid = سارية
consent-state-missing = لم يُوقَّع عليها بعد
consent-state-outdated = يلزم التوقيع من جديد
consent-state-withdrawn = مسحوبة
consent-state-help-valid = الموافقة موقَّعة على النص الحالي.
consent-state-help-missing = لم يُوقَّع على الموافقة بعد. يُرجى قراءة النص أدناه قبل التوقيع.
consent-state-help-outdated = غيّرت العيادة نص الموافقة منذ التوقيع عليه. يُرجى قراءة النص الجديد والتوقيع من جديد.
consent-state-help-withdrawn = سُحبت الموافقة. لا يمكن المضي في أي خطوة لاحقة ما لم تُعطَ الموافقة من جديد.
consent-text-version = الإصدار { $version } من النص
consent-signed = وُقِّعت باسم «{ $name }» بواسطة { $who } في { $date } بالتوقيت العالمي، إصدار النص { $version }، { $via }.
signed-via-portal = في بوابة المريض
signed-via-staff-device = على جهاز العيادة
consent-witness = الشاهد: { $name }
consent-interpreter = المترجم: { $name } ({ $language })
consent-withdrawn-line = سُحبت في { $date } بالتوقيت العالمي بواسطة { $who }.
consent-withdrawn-reason = السبب: { $reason }
consent-pdf = المستند الموقَّع (PDF)
signatures-title = التوقيعات
sign-title = التوقيع على الموافقة
field-confirmed = قرأتُ هذا النص وفهمته
field-typed-name = الاسم الكامل مكتوبًا
field-witness-name = اسم الشاهد
field-interpreter-name = اسم المترجم، إن وُجد
field-interpreter-language = لغة الترجمة
field-drawn-signature = التوقيع بخط اليد (اختياري)
drawn-signature-hint = ارسم بإصبعك أو بالقلم أو بالفأرة. يكفي الاسم المكتوب إن كنت لا تفضّل الرسم.
drawn-signature-clear = مسح الرسم
sign-button = توقيع
withdraw-title = سحب الموافقة
withdraw-help = يمكن سحب الموافقة في أي وقت قبل العلاج. تتوقف عندها جلسات هذه الخطة حتى تُعطى الموافقة من جديد.
field-withdrawal-reason = السبب (اختياري)
withdraw-button = سحب الموافقة
back-to-my-consents = العودة إلى موافقاتي
my-consents-title = موافقاتي
my-consents-help = الموافقة الخاصة بكل خطة من خطط علاجك.
my-consents-empty = لا توجد لديك خطة علاج بعد.

## ما يمكن توقعه (البوابة).
expect-title = ما يمكن توقعه
expect-help = يوم جلستك كما خُطط له، والأيام التي تليه، وإجابات عن أسئلة شائعة. الأوقات بالتوقيت العالمي.
expect-empty = لا توجد خطة علاج معتمدة بعد. تمتلئ هذه الصفحة بعد أن يعتمد طبيبك خطة.
expect-next-session = الجلسة القادمة (الجلسة { $number }): { $date } بالتوقيت العالمي
expect-no-session = لم تُحجز أي جلسة بعد.
expect-day-title = يوم جلستك
expect-total = مدة الزيارة كاملة: { $duration }
expect-fasting = ستخضع للتخدير: لا طعام صلبًا لمدة { $solids } ساعات ولا سوائل صافية لمدة { $liquids } ساعات قبل الجلسة.
expect-ride = ستخضع للتخدير: لا يجوز لك القيادة بعد الجلسة. يجب أن يوصلك شخص ما إلى المنزل.
expect-recovery-title = الأيام التالية
expect-footer = هذه ملاحظات عامة. اتبع النصائح التي تعطيك إياها العيادة لحالتك.
answers-title = أسئلة شائعة
minutes-exact = { $minutes } دقيقة
minutes-range = { $min }–{ $max } دقيقة
step-check-in = الوصول والتسجيل
step-harvest = سحب الخلايا تحت تخدير موضعي
step-donor-preparation = تحضير المنتج الخلوي من المتبرع
step-processing = تحضير الخلايا في المختبر بينما تستريح
step-injection = الحقن
step-monitoring = الراحة والمراقبة
step-go-home = العودة إلى المنزل
recovery-harvest-site-care = حافظ على الضماد في موضع سحب الخلايا نظيفًا وجافًا ليوم واحد، كما تريك العيادة.
recovery-ice-first-day = في اليوم الأول، قد تخفف كمادة باردة ملفوفة بقطعة قماش الألم في موضع الحقن.
recovery-hydration = اشرب كمية وافرة من الماء.
recovery-no-nsaids = لا تتناول المسكنات المضادة للالتهاب (مضادات الالتهاب غير الستيرويدية) حتى تسمح لك العيادة بذلك؛ واسأل عن المسكن الذي تستعمله بدلًا منها.
recovery-no-strenuous-week = تجنب المجهود الشاق والرياضة نحو أسبوع.
recovery-daily-activity-days = يعود كثيرون إلى النشاط اليومي الخفيف خلال يوم أو يومين.
recovery-work-days = يعود كثيرون إلى العمل خلال ٢٤ إلى ٤٨ ساعة؛ اسأل العيادة عن عملك أنت.

## نصوص المسؤول: نصوص الموافقة والإجابات.
text-in-force = النص الساري: الإصدار { $version }، كتبه { $who } في { $date } بالتوقيت العالمي.
text-starting = النص الساري: النص المبدئي (الإصدار ٠). لم تكتب العيادة نصها الخاص بعد.
text-save = حفظ كإصدار جديد
field-text-title = العنوان
field-text-body = النص
consent-texts-title = نصوص الموافقة
consent-texts-help = نص واحد لكل إجراء ولكل لغة. اترك سطرًا فارغًا بين الفقرات؛ يرى المرضى النص كما هو مكتوب هنا تمامًا.
consent-texts-save-hint = الحفظ ينشئ إصدارًا جديدًا: يُطلب من كل مريض وقّع على إصدار سابق أن يوقّع من جديد.
answers-admin-title = إجابات الأسئلة الشائعة
answers-admin-help = يقرأ المرضى هذه الإجابات في صفحة «ما يمكن توقعه» بلغتهم.
field-answer-title = السؤال
field-answer-body = الإجابة
question-what-to-wear = ما يُرتدى
question-will-i-be-asleep = اليقظة أو النوم
question-does-it-hurt = الألم
question-when-can-i-work = العودة إلى العمل
question-how-many-sessions = عدد الجلسات
question-who-to-call = بمن تتصل
