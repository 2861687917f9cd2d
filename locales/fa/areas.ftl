# Persian: areas. The ticket page's strings and the admin page's headings are
# translated; import problems fall back to English.

## The admin page /staff/admin/areas
areas-title = محدوده‌ها
areas-nav = محدوده‌ها
areas-forbidden = فقط مدیران سامانه می‌توانند محدوده‌ها را وارد کنند.
areas-none = هنوز هیچ محدوده‌ای وارد نشده است.
areas-code = کد
areas-name = نام
areas-kind = نوع
areas-tickets = درخواست‌ها
areas-updated = تغییر
areas-retired = کنار گذاشته
areas-retired-title = محدوده‌های کنار گذاشته
areas-import-title = وارد کردن محدوده‌ها
areas-import-file = پرونده GeoJSON
areas-import-send = وارد کردن
areas-import-problems = پرونده وارد نشد
areas-recent-title = آخرین ورودها

## The ticket page and its "change location" action
areas-area = محدوده
areas-area-unknown = در هیچ محدوده‌ای نیست
tickets-event-location-changed = مکان تغییر کرد
tickets-location-title = تغییر مکان
tickets-location-hint = نشانی و/یا مختصات؛ درخواست در محدوده مختصات تازه‌اش قرار می‌گیرد.
tickets-location-address = نشانی
tickets-location-latitude = عرض جغرافیایی
tickets-location-longitude = طول جغرافیایی
tickets-location-send = ذخیره مکان
tickets-done-location = مکان تغییر کرد.
tickets-error-location-same = درخواست همین حالا همین مکان را دارد.

## The queue filter
queues-field-area = محدوده
