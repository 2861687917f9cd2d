# حساب‌های کارکنان: پیمایش، حساب خود، بازنشانی گذرواژه، مدیریت کارکنان.

## Navigation
staff-nav-label = کارکنان
staff-nav-home = کار شما
staff-nav-account = حساب شما
staff-nav-staff = حساب‌های کارکنان
staff-sign-in-forgot = گذرواژه را فراموش کرده‌اید؟

## Your account
account-title = حساب شما
account-name = نام
account-role = نقش
account-departments = واحدها
account-no-departments = هیچ
account-change-password = تغییر گذرواژه
account-change-password-intro = گذرواژهٔ کنونی را وارد کنید، سپس گذرواژهٔ تازه را دو بار.
account-current-password = گذرواژهٔ کنونی
account-new-password = گذرواژهٔ تازه
account-new-password-hint = دست‌کم { $min } نویسه. چند واژهٔ بی‌ربط گذرواژه‌ای قوی و به‌یادماندنی می‌سازند.
account-confirm-password = تکرار گذرواژهٔ تازه
account-change-password-sessions = با تغییر آن، از همهٔ دستگاه‌های دیگر خارج می‌شوید.
account-change-password-button = تغییر گذرواژه
account-password-changed = گذرواژهٔ شما تغییر کرد. از همهٔ دستگاه‌های دیگر خارج شدید.
account-sessions = دستگاه‌ها
account-sessions-intro = اگر در دستگاهی مشترک یا گم‌شده وارد شده‌اید، از همه‌جا خارج شوید. اینجا هم باید دوباره وارد شوید.

## Password reset
password-reset-back-to-sign-in = بازگشت به ورود
password-reset-request-title = بازنشانی گذرواژه
password-reset-request-intro = نشانی ایمیلی را که با آن وارد می‌شوید بنویسید. پیوندی برای گزینش گذرواژهٔ تازه برایتان می‌فرستیم.
password-reset-request-button = فرستادن پیوند
password-reset-request-sent = اگر حسابی از کارکنان این نشانی ایمیل را داشته باشد، پیوندی برای گزینش گذرواژهٔ تازه به آن فرستادیم.
password-reset-request-sent-help = پیوند یک بار و تا یک ساعت کار می‌کند. اگر تا چند دقیقه چیزی نرسید، پوشهٔ هرزنامه را ببینید یا از مدیر سامانه کمک بخواهید.
password-reset-title = گزینش گذرواژهٔ تازه
password-reset-intro = گذرواژهٔ تازه‌ای برای حساب کاری خود برگزینید. پس از آن، از همهٔ دستگاه‌ها خارج می‌شوید.
password-reset-button = ثبت گذرواژهٔ تازه
password-reset-invalid = این پیوند را نمی‌توان به کار برد. شاید منقضی شده، پیش‌تر به کار رفته یا ناقص رونوشت شده باشد.
password-reset-ask-again = درخواست پیوند تازه
password-reset-done = گذرواژهٔ تازهٔ شما ثبت شد. اکنون با آن وارد شوید.

## Staff administration
admin-users-title = حساب‌های کارکنان
admin-users-new = افزودن کارمند
admin-users-new-title = افزودن کارمند
admin-users-edit-title = حساب کارمند
admin-users-back = بازگشت به حساب‌های کارکنان
admin-users-state = وضعیت
admin-users-active = فعال
admin-users-inactive = غیرفعال
admin-users-locked = پس از ورودهای ناموفق قفل شده
admin-users-role-hint = کارشناسان و سرپرستان به درخواست‌های یک واحد رسیدگی می‌کنند و دست‌کم به یک واحد نیاز دارند. مدیران ارشد گزارش‌ها را می‌خوانند؛ مدیران سامانه آن را اداره می‌کنند.
admin-users-password-legend = گذرواژه
admin-users-password-link = پیوندی برای گزینش گذرواژه به ایمیلشان فرستاده شود (تا یک ساعت معتبر)
admin-users-password-set = اکنون گذرواژهٔ نخست را تعیین می‌کنم و خودم به او می‌دهم
admin-users-initial-password = گذرواژهٔ نخست
admin-users-create-button = افزودن کارمند
admin-users-access-title = نقش و واحدها
admin-users-role-change-hint = با تغییر نقش، از همه‌جا خارج می‌شود و با نقش تازه دوباره وارد می‌شود.
admin-users-own-role-hint = نقش خود را نمی‌توانید تغییر دهید. از مدیر دیگری بخواهید.
admin-users-save-button = ذخیره
admin-users-password-title = گذرواژه
admin-users-reset-link-intro = پیوندی برای گزینش گذرواژهٔ تازه به ایمیلش فرستاده شود. گذرواژهٔ کنونی تا آن زمان کار می‌کند.
admin-users-reset-link-button = فرستادن پیوند بازنشانی گذرواژه
admin-users-deactivate-intro = حساب غیرفعال نمی‌تواند وارد شود و نشست‌هایش بی‌درنگ پایان می‌یابد. سابقه‌اش می‌ماند.
admin-users-deactivate-button = غیرفعال کردن حساب
admin-users-activate-intro = این حساب غیرفعال است. با فعال کردن دوباره، می‌تواند وارد شود.
admin-users-activate-button = فعال کردن دوبارهٔ حساب

accounts-done-created = حساب ساخته شد.
accounts-done-invited = حساب ساخته شد و پیوندی برای گزینش گذرواژه به ایمیلش فرستاده شد.
accounts-done-saved = تغییرات ذخیره شد.
accounts-done-deactivated = حساب غیرفعال شد و از همه‌جا خارج شد.
accounts-done-activated = حساب دوباره فعال شد.
accounts-done-reset-link = پیوند بازنشانی گذرواژه فرستاده شد.

accounts-forbidden = تنها مدیران سامانه می‌توانند حساب‌های کارکنان را اداره کنند.
accounts-error-email = نشانی ایمیلی مانند name@example.org وارد کنید.
accounts-error-name = نامی با حداکثر ۱۲۰ نویسه وارد کنید.
accounts-error-role = یک نقش برگزینید.
accounts-error-needs-department = کارشناسان و سرپرستان دست‌کم به یک واحد نیاز دارند.
accounts-error-unknown-department = یکی از واحدهای گزیده دیگر وجود ندارد.
accounts-error-email-taken = حساب دیگری از کارکنان این نشانی ایمیل را دارد.
accounts-error-password-too-short = گذرواژه باید دست‌کم ۱۲ نویسه باشد.
accounts-error-password-too-long = گذرواژه باید حداکثر ۱۰۲۴ نویسه باشد.
accounts-error-current-password = این گذرواژهٔ کنونی شما نیست.
accounts-error-password-mismatch = دو گذرواژهٔ تازه یکسان نیستند.
accounts-error-unknown-user = چنین حسابی از کارکنان وجود ندارد.
accounts-error-own-account = نقش خود را نمی‌توانید تغییر دهید یا حساب خود را غیرفعال کنید.
accounts-error-last-admin = این آخرین مدیر فعال سامانه است. نخست کس دیگری را مدیر سامانه کنید.
accounts-error-inactive = این حساب غیرفعال است. نخست آن را دوباره فعال کنید.
accounts-error-unexpected = در سامانهٔ ما مشکلی پیش آمد. لطفاً دوباره تلاش کنید.

## Email: password reset
email-password-reset-subject = بازنشانی گذرواژهٔ کاری شما در { $council }
email-password-reset-subject-new = حساب کاری شما در { $council }
email-password-reset-intro = کسی خواسته است گذرواژهٔ حساب کاری شما در { $council } بازنشانی شود. برای گزینش گذرواژهٔ تازه، این پیوند را باز کنید:
email-password-reset-intro-new = حسابی کاری برای شما در { $council } ساخته شده است. برای گزینش گذرواژه و ورود، این پیوند را باز کنید:
email-password-reset-button = گزینش گذرواژهٔ تازه
email-password-reset-button-new = گزینش گذرواژه
email-password-reset-expiry = پیوند یک بار و تا { $minutes } دقیقه کار می‌کند.
email-password-reset-sessions = با ثبت گذرواژهٔ تازه، از همهٔ دستگاه‌ها خارج می‌شوید.
email-password-reset-not-you = اگر شما چنین درخواستی نکرده‌اید، این ایمیل را نادیده بگیرید: گذرواژهٔ شما تغییری نمی‌کند.
