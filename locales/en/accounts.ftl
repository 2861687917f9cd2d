# Staff accounts: navigation, one's own account, password resets, staff administration.

## Navigation
staff-nav-label = Staff
staff-nav-home = Your work
staff-nav-account = Your account
staff-nav-staff = Staff accounts
staff-sign-in-forgot = Forgotten your password?

## Your account
account-title = Your account
account-name = Name
account-role = Role
account-departments = Departments
account-no-departments = None
account-change-password = Change your password
account-change-password-intro = Enter the password you use now, then the new one twice.
account-current-password = Current password
account-new-password = New password
account-new-password-hint = At least { $min } characters. A few unrelated words make a strong password that is easy to remember.
account-confirm-password = New password again
account-change-password-sessions = Changing it signs you out on every other device.
account-change-password-button = Change password
account-password-changed = Your password has been changed. You have been signed out on every other device.
account-sessions = Devices
account-sessions-intro = If you signed in on a shared or lost device, sign out everywhere. You will need to sign in again here too.

## Password reset
password-reset-back-to-sign-in = Back to sign in
password-reset-request-title = Reset your password
password-reset-request-intro = Enter the email address you sign in with. We will send you a link to choose a new password.
password-reset-request-button = Send the link
password-reset-request-sent = If a staff account uses that email address, we have sent it a link to choose a new password.
password-reset-request-sent-help = The link works once, for one hour. If nothing arrives in a few minutes, check your spam folder, or ask an administrator.
password-reset-title = Choose a new password
password-reset-intro = Choose a new password for your staff account. Once it is set, you will be signed out on every device.
password-reset-button = Set the new password
password-reset-invalid = This link cannot be used. It may have expired, been used already, or been copied incompletely.
password-reset-ask-again = Ask for a new link
password-reset-done = Your new password is set. Sign in with it now.

## Staff administration
admin-users-title = Staff accounts
admin-users-new = Add a staff member
admin-users-new-title = Add a staff member
admin-users-edit-title = Staff account
admin-users-back = Back to staff accounts
admin-users-state = Status
admin-users-active = Active
admin-users-inactive = Deactivated
admin-users-locked = locked after failed sign-ins
admin-users-role-hint = Agents and supervisors work a department's requests and need at least one department. Leaders read reports; administrators manage the system.
admin-users-password-legend = Password
admin-users-password-link = Email them a link to choose their own password (valid for one hour)
admin-users-password-set = Set a first password now and give it to them yourself
admin-users-initial-password = First password
admin-users-create-button = Add staff member
admin-users-access-title = Role and departments
admin-users-role-change-hint = Changing the role signs them out everywhere; they sign in again with the new role.
admin-users-own-role-hint = You cannot change your own role. Ask another administrator.
admin-users-save-button = Save
admin-users-password-title = Password
admin-users-reset-link-intro = Email them a link to choose a new password. Their current password keeps working until they do.
admin-users-reset-link-button = Send a password reset link
admin-users-deactivate-intro = A deactivated account cannot sign in, and its sessions end at once. Its history stays.
admin-users-deactivate-button = Deactivate account
admin-users-activate-intro = This account is deactivated. Reactivating it lets it sign in again.
admin-users-activate-button = Reactivate account

accounts-done-created = The account has been created.
accounts-done-invited = The account has been created, and a link to choose a password has been emailed to it.
accounts-done-saved = The changes have been saved.
accounts-done-deactivated = The account has been deactivated and signed out everywhere.
accounts-done-activated = The account has been reactivated.
accounts-done-reset-link = A password reset link has been emailed.

accounts-forbidden = Only administrators can manage staff accounts.
accounts-error-email = Enter an email address, like name@example.org.
accounts-error-name = Enter a name of at most 120 characters.
accounts-error-role = Choose a role.
accounts-error-needs-department = Agents and supervisors need at least one department.
accounts-error-unknown-department = One of the chosen departments no longer exists.
accounts-error-email-taken = Another staff account already uses this email address.
accounts-error-password-too-short = The password must be at least 12 characters long.
accounts-error-password-too-long = The password must be at most 1024 characters long.
accounts-error-current-password = This is not your current password.
accounts-error-password-mismatch = The two new passwords are not the same.
accounts-error-unknown-user = There is no such staff account.
accounts-error-own-account = You cannot change your own role or deactivate your own account.
accounts-error-last-admin = This is the last active administrator. Make someone else an administrator first.
accounts-error-inactive = The account is deactivated. Reactivate it first.
accounts-error-unexpected = Something went wrong on our side. Please try again.

## Email: password reset
email-password-reset-subject = Reset your { $council } staff password
email-password-reset-subject-new = Your { $council } staff account
email-password-reset-intro = Someone asked to reset the password of your { $council } staff account. To choose a new password, open this link:
email-password-reset-intro-new = A staff account has been created for you at { $council }. To choose your password and sign in, open this link:
email-password-reset-button = Choose a new password
email-password-reset-button-new = Choose your password
email-password-reset-expiry = The link works once, for { $minutes } minutes.
email-password-reset-sessions = Setting a new password signs you out on every device.
email-password-reset-not-you = If you did not ask for this, ignore this email: your password stays as it is.
