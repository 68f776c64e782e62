# تحسين اليوم: الاقتراح بجانب الخطة المعمول بها.

optimise-title = تحسين اليوم
optimise-intro = اقتراح للجلسات التي لم تبدأ بعد. الجلسات الجارية تبقى في مكانها. لا يتغير شيء حتى تطبّقه.
optimise-compare = اليوم الآن وكما هو مقترح
optimise-before = الآن
optimise-after = المقترح
optimise-waiting = انتظار المرضى بين الخطوات
optimise-in-clinic = وقت المرضى في العيادة
optimise-overtime = حجوزات خارج ساعات العمل
optimise-last-end = تنتهي آخر خطوة
optimise-minutes = { $n } دقيقة
optimise-started = جلسات جارية (لا تُنقل)
optimise-not-placed = تعذّر وضع بعض الجلسات في وقت أفضل؛ تحتفظ بحجزها.
optimise-nothing = لا يمكن نقل أي جلسة في هذا اليوم.
optimise-patient = المريض
optimise-start-before = تبدأ الآن
optimise-start-after = ستبدأ
optimise-apply = تطبيق الاقتراح
optimise-discard = تجاهل
optimise-stale = تغيّر اليوم منذ إعداد الاقتراح، فلم يُطبَّق شيء. هذا اقتراح جديد.
optimise-action = تحسين هذا اليوم
