# Open311 GeoReport v2 (/open311/v2) and its API keys.

## What the Open311 answers say
open311-no-name = Name not given
open311-discovery-contact = Contact { $council } for help with this API.
open311-discovery-key-service = API keys for submitting requests are issued by { $council }'s administrators.
open311-service-notice = We aim to resolve requests like this within { $hours ->
        [one] { $hours } working hour
       *[other] { $hours } working hours
    }.
open311-update-acknowledged = A member of staff has picked up this request.
open311-update-withdrawn = The request was withdrawn by the person who made it.
open311-update-merged = This request continues as { $reference }.
open311-update-status = The request is now: { $status }.

## Errors (each answer's description is "parameter: message")
open311-error-format = Add .json or .xml to the resource's name.
open311-error-not-found = There is no such Open311 resource.
open311-error-method = This resource does not take that HTTP method.
open311-error-api-key-missing = api_key was not provided -- can't proceed with create_request.
open311-error-api-key-invalid = Invalid api_key received -- can't proceed with create_request.
open311-error-jurisdiction = jurisdiction_id provided was not found.
open311-error-service-code-missing = service_code was not provided.
open311-error-service-unknown = service_code { $code } was not found.
open311-error-request-unknown = service_request_id { $id } was not found.
open311-error-token-unknown = token { $token } was not found.
open311-error-content-type = Send the request as application/x-www-form-urlencoded.
open311-error-body = The request body is too large or could not be read.
open311-error-rate-limited = Too many submissions from this address; try again later.
open311-error-internal = Something went wrong on our side; please try again later.
open311-error-unavailable = The service is temporarily unavailable; please try again later.
open311-error-location = Give a location: lat and long, address_string or address_id.
open311-error-description-too-long = The description must be 4,000 characters or fewer.
open311-error-identifier = This must be 200 characters or fewer, on one line.
open311-error-media-url = This must be an http:// or https:// URL of at most 2,000 characters.
open311-error-attribute-name = Name attributes attribute[CODE] or, for several values, attribute[CODE][].
open311-error-date = This must be a date and time with its offset, like 2010-01-01T00:00:00Z.
open311-error-date-order = end_date must not be before start_date.
open311-error-date-span = start_date and end_date may be at most 90 days apart.
open311-error-status = Give open, closed or both (comma separated).
open311-error-page = page must be a whole number from 1.
open311-error-page-size = page_size must be a whole number from 1 to 1000.
open311-error-too-many-ids = Ask for at most 1,000 service_request_id values at once.

## The administrators' API keys page (/staff/admin/api-keys)
staff-nav-api-keys = API keys
api-keys-title = Open311 API keys
api-keys-intro = 311 apps need a key to submit requests through Open311 at { $url }. Each key is shown once, when it is made; only a fingerprint of it is kept.
api-keys-none = There are no API keys yet.
api-keys-label = Label
api-keys-label-hint = Who uses the key, e.g. the app's name. Up to 100 characters.
api-keys-prefix = Starts with
api-keys-created = Made
api-keys-last-used = Last used
api-keys-never-used = Never
api-keys-state = State
api-keys-active = Active
api-keys-revoked = Revoked { $when }
api-keys-create-title = Make a key
api-keys-create-button = Make the key
api-keys-rename-button = Save the label
api-keys-revoke-button = Revoke
api-keys-revoke-hint = A revoked key stops working at once and cannot be used again.
api-keys-new-title = The new key for { $label }
api-keys-new-once = Copy it now and give it to the app's operator: it will not be shown again.
api-keys-done-saved = The label was saved.
api-keys-done-revoked = The key was revoked; requests sent with it are refused from now on.
api-keys-done-already-revoked = That key had already been revoked.
api-keys-error-label-required = Enter a label.
api-keys-error-label-too-long = The label must be one line of 100 characters or fewer.
api-keys-error-unknown = There is no such API key.
