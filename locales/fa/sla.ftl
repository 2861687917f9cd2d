## ساعت‌های سطح خدمت: نام‌ها، فوریت، و آنچه به شهروندان گفته می‌شود.
## کلیدهایی که اینجا نیستند به انگلیسی نشان داده می‌شوند.

sla-clock-first-response = نخستین پاسخ
sla-clock-keep-in-touch = در تماس ماندن
sla-clock-resolution = رسیدگی

sla-urgency-on-track = در مسیر
sla-urgency-due-soon = نزدیک به موعد
sla-urgency-overdue = دیرکرد
sla-urgency-paused = متوقف
sla-urgency-met = انجام شد
sla-urgency-met-late = با تأخیر انجام شد
sla-urgency-stopped = پایان یافته

sla-duration-days = { $n } روز
sla-duration-hours = { $n } ساعت
sla-duration-minutes = { $n } دقیقه
sla-duration-zero = ۰ دقیقه

sla-promise-respond-by = ما می‌کوشیم تا { $date } به شما پاسخ دهیم.
sla-promise-resolve-by = ما می‌کوشیم تا { $date } به درخواست شما رسیدگی کنیم.
sla-promise-paused = تا زمانی که منتظر پاسخ شما هستیم، موعدهای ما متوقف است.
sla-promise-zone = زمان‌ها به وقت { $zone } است.
sla-extended-public = به زمان بیشتری نیاز داریم: اکنون می‌کوشیم تا { $date } کار را تمام کنیم. { $reason }
email-ticket-received-next-resolve-by = ما می‌کوشیم تا { $date } به آن رسیدگی کنیم.
