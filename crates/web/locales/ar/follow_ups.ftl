# المرحلة 8: زيارات المتابعة التي يحجزها البروتوكول عند الخروج.

follow-ups-title = زيارات المتابعة
follow-ups-empty = لا توجد زيارات متابعة بعد: تُحجز عند انتهاء الجلسة بالخروج.
follow-up-col-days = الأيام بعد الجلسة
follow-up-col-when = الموعد
follow-up-col-with = مع
follow-up-col-room = الغرفة
follow-up-unbooked = لم تُحجز بعد (موعدها { $date }): ستتصل بك العيادة لترتيبها.

setting-follow-up-minutes = مدة زيارة المتابعة (دقائق)
setting-follow-up-seen-by = من يرى المريض في المتابعة
setting-follow-up-seen-by-hint = physician (طبيب) أو nurse (ممرض/ممرضة)

reminder-follow-up-subject = زيارة المتابعة في { $when }
reminder-follow-up-body = عزيزي/عزيزتي { $name }، حُجزت زيارة المتابعة في { $site } في { $when } (بالتوقيت العالمي)، بعد { $days } يومًا من جلستك. يتضمن ملف التقويم المرفق الزيارة.
reminder-follow-up-day-before-subject = غدًا: زيارة المتابعة في { $site }
reminder-follow-up-day-before-body = عزيزي/عزيزتي { $name }، هذا تذكير بزيارة المتابعة في { $site } في { $when } (بالتوقيت العالمي).
reminder-sms-follow-up = { $site }: حُجزت زيارة المتابعة في { $when } (بالتوقيت العالمي).
reminder-sms-follow-up-day-before = { $site }: تذكير، زيارة المتابعة في { $when } (بالتوقيت العالمي).
reminder-follow-up-calendar-summary = زيارة متابعة في { $site }
