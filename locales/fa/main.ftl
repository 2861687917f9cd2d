# فارسی: کاتالوگ آغاز شده؛ کلیدهای ناموجود به انگلیسی نمایش داده می‌شوند.

skip-to-content = رفتن به محتوای اصلی
language-switch-label = زبان
footer-open-hours = می‌توانید در هر ساعت از شبانه‌روز به‌صورت آنلاین با ما در تماس باشید.
footer-powered-by = با CivicDesk، نرم‌افزار متن‌باز برای شهرداری‌ها.

home-title = چگونه می‌توانیم کمک کنیم؟
home-intro = مشکلی را گزارش دهید، پرسشی بپرسید، اطلاعات درخواست کنید، شکایت کنید یا از کار خوب ما بگویید. یکی از خدمات زیر را انتخاب کنید.
home-no-services = هنوز هیچ خدمتی به‌صورت آنلاین در دسترس نیست. لطفاً تلفنی با ما تماس بگیرید.
home-groups-heading = گروه‌های خدمات
home-handled-by = رسیدگی توسط { $department }

error-404-title = صفحه پیدا نشد
error-404-body = این صفحه را پیدا نکردیم. اگر نشانی را تایپ کرده‌اید، درستی آن را بررسی کنید.
error-500-title = متأسفیم، مشکلی پیش آمد
error-500-body = نتوانستیم درخواست شما را انجام دهیم. چیزی از آنچه فرستادید از دست نرفته است؛ لطفاً چند دقیقه دیگر دوباره تلاش کنید.
error-503-title = این خدمت موقتاً در دسترس نیست
error-503-body = خدمات برای مدت کوتاهی متوقف شده است. لطفاً چند دقیقه دیگر دوباره تلاش کنید.
error-reference = اگر در این باره با ما تماس گرفتید، این شناسه را ذکر کنید:
error-go-home = رفتن به صفحهٔ اصلی

# ایمیل‌ها. پانویس هر ایمیل می‌گوید چرا خواننده آن را دریافت کرده است.
email-greeting = { $name } گرامی،
email-footer-why = این ایمیل را دریافت می‌کنید چون با این نشانی ایمیل درخواستی به { $council } فرستاده شده است.
email-footer-no-reply = این صندوق پستی خوانده نمی‌شود؛ لطفاً به این ایمیل پاسخ ندهید.

email-ticket-received-subject = درخواست شما با شمارهٔ { $reference } دریافت شد
email-ticket-received-thanks = از اینکه با { $council } تماس گرفتید سپاسگزاریم. درخواست شما را دریافت کردیم.
email-ticket-received-reference-label = شمارهٔ پیگیری شما
email-ticket-received-reference-help = اگر دربارهٔ این درخواست تلفنی یا کتبی با ما تماس می‌گیرید، لطفاً این شماره را ذکر کنید.
email-ticket-received-track-heading = پیگیری آنلاین درخواست
email-ticket-received-track-intro = روند رسیدگی به درخواست و همهٔ پیام‌های ما را می‌توانید در صفحهٔ پیگیری آن ببینید:
email-ticket-received-track-button = پیگیری درخواست
email-ticket-received-track-private = این پیوند را نزد خود نگه دارید: هر کسی که آن را داشته باشد می‌تواند درخواست شما را ببیند.
email-ticket-received-summary-heading = درخواست شما
email-ticket-received-subject-label = موضوع
email-ticket-received-category-label = نوع درخواست
email-ticket-received-department-label = واحد رسیدگی‌کننده
email-ticket-received-next-heading = مراحل بعدی
email-ticket-received-next-review = درخواست شما را بررسی می‌کنیم و آن را به { $department } می‌سپاریم.
email-ticket-received-next-respond-by = تلاش ما این است که تا { $date } پاسخ دهیم.
email-ticket-received-reply-heading = چگونه پاسخ دهید
email-ticket-received-reply-body = برای افزودن اطلاعات، فرستادن عکس یا پاسخ به پرسش‌های ما، به جای پاسخ دادن به این ایمیل از صفحهٔ پیگیری بالا استفاده کنید.

status-received = دریافت شد
status-in-progress = در حال رسیدگی
status-waiting = در انتظار پاسخ شما
status-resolved = رسیدگی شد
status-closed = بسته شد

error-kind-required = مشخص کنید چه کاری می‌خواهید انجام دهید.
error-kind-not-offered = این خدمت این نوع درخواست را نمی‌پذیرد؛ نوع دیگری انتخاب کنید.
error-category-unknown = چنین خدمتی وجود ندارد یا دیگر به‌صورت آنلاین ارائه نمی‌شود.
error-subject-required = خلاصه‌ای کوتاه بنویسید.
error-subject-too-long = خلاصه باید حداکثر ۲۰۰ نویسه باشد.
error-description-required = بگویید چه اتفاقی افتاده یا به چه چیزی نیاز دارید.
error-description-too-long = شرح باید حداکثر ۱۰٬۰۰۰ نویسه باشد.
error-name-required = نام خود را وارد کنید.
error-name-too-long = نام باید حداکثر ۲۰۰ نویسه باشد.
error-email-invalid = نشانی ایمیلی مانند name@example.com وارد کنید.
error-phone-invalid = شماره تلفن را با رقم وارد کنید، مانند ۰۹۱۲۳۴۵۶۷۸۹.
error-contact-required = برای پاسخ‌گویی، نشانی ایمیل یا شماره تلفن بدهید.
error-address-too-long = نشانی باید حداکثر ۵۰۰ نویسه باشد.
error-latitude-invalid = عرض جغرافیایی باید عددی بین ‎-90 و 90 باشد.
error-longitude-invalid = طول جغرافیایی باید عددی بین ‎-180 و 180 باشد.
error-coordinates-pair = هر دو مختصات را بدهید یا هیچ‌کدام را.
error-location-required = بگویید کجا: نشانی یا مکانی روی نقشه.
error-locale-invalid = زبانی را انتخاب کنید که ارائه می‌کنیم.
error-consent-required = تأیید کنید که نحوهٔ استفاده از اطلاعاتتان را خوانده‌اید.
error-extra-required = به این پرسش پاسخ دهید.
error-extra-too-long = این پاسخ بیش از حد طولانی است.
error-extra-number = یک عدد وارد کنید.
error-extra-date = تاریخی مانند 2026-11-22 وارد کنید.
error-extra-choice = یکی از گزینه‌ها را انتخاب کنید.
error-comment-required = پیام خود را بنویسید یا پرونده‌ای پیوست کنید.
error-comment-too-long = پیام شما باید حداکثر ۱۰٬۰۰۰ نویسه باشد.
error-request-closed = این درخواست بسته شده است. اگر هنوز به کمک نیاز دارید، درخواست تازه‌ای بدهید.
