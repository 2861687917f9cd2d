# پیکربندی SLA برای مدیران: تقویم‌های کاری و سیاست‌های SLA. (ناقص: بقیه به انگلیسی نشان داده می‌شود.)

## Navigation
staff-nav-sla-policies = سیاست‌های SLA
staff-nav-calendars = تقویم‌های کاری
sla-admin-forbidden = تنها مدیران می‌توانند سیاست‌های SLA و تقویم‌های کاری را تغییر دهند.

## Shared
sla-admin-weekday-1 = دوشنبه
sla-admin-weekday-2 = سه‌شنبه
sla-admin-weekday-3 = چهارشنبه
sla-admin-weekday-4 = پنجشنبه
sla-admin-weekday-5 = جمعه
sla-admin-weekday-6 = شنبه
sla-admin-weekday-7 = یکشنبه
sla-admin-priority-low = کم
sla-admin-priority-normal = عادی
sla-admin-priority-high = زیاد
sla-admin-priority-urgent = فوری
sla-admin-duration-minutes = { $minutes } دقیقه
sla-admin-duration-hours = { $hours } ساعت
sla-admin-duration-hours-minutes = { $hours } ساعت و { $minutes } دقیقه
sla-admin-remove = حذف
sla-admin-save = ذخیره
sla-admin-done-saved = تغییرات شما ذخیره شد.

## Titles
sla-admin-calendars-title = تقویم‌های کاری
sla-admin-calendar-new-title = افزودن تقویم کاری
sla-admin-policies-title = سیاست‌های SLA
sla-admin-policy-new-title = افزودن سیاست SLA
sla-admin-categories-title = سیاست SLA هر خدمت
sla-admin-first-response = نخستین پاسخ
sla-admin-resolution = رسیدگی
