# Open311 GeoReport v2: Persian (partial; missing keys fall back to English).

staff-nav-api-keys = کلیدهای API
api-keys-title = کلیدهای API برای Open311
api-keys-label = برچسب
api-keys-create-button = ساختن کلید
api-keys-revoke-button = باطل کردن
api-keys-active = فعال
api-keys-error-label-required = یک برچسب وارد کنید.
