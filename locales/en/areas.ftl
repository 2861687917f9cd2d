# English: areas (wards, districts): the admin page, import problems, the
# ticket page's location and area, and the location change action. Complete.

## Import problems. { $problem } is one of the areas-problem-* texts below.
areas-problem-in-feature = features[{ $index }] ({ $name }): { $problem }
areas-problem-in-feature-unnamed = features[{ $index }]: { $problem }
areas-ring-outer = the outer ring
areas-ring-hole = hole { $hole }
areas-ring-in-part = { $ring } of polygon { $part }
areas-problem-too-large = The file is larger than { $max }, the most an import takes. Simplify the boundaries (for example with mapshaper or QGIS) or import fewer areas.
areas-problem-empty = There is nothing to import: choose a GeoJSON file or paste its text.
areas-problem-not-json = This is not JSON: there is a mistake at line { $line }, column { $column }.
areas-problem-not-geojson = This is JSON but not a GeoJSON FeatureCollection or Feature (its "type" is "{ $found }"). Give a FeatureCollection whose features are the areas, each with a name and a code.
areas-problem-not-geojson-untyped = This is JSON but not GeoJSON: it has no "type". Give a FeatureCollection whose features are the areas.
areas-problem-no-features = The file has no features, so there is nothing to import.
areas-problem-too-many-features = The file has { $found } features; an import takes at most { $max }.
areas-problem-bad-kind = "{ $kind }" cannot be the kind of area: use a word such as ward or district (lowercase letters, digits and _).
areas-problem-bad-property-option = Say which property holds each area's name and which its code.
areas-problem-not-a-feature = it is not a GeoJSON Feature (an object with "type": "Feature").
areas-problem-no-geometry = it has no geometry.
areas-problem-geometry-type = its geometry is a { $found }; an area must be a Polygon or MultiPolygon.
areas-problem-bad-coordinates = its coordinates are not lists of [longitude, latitude] positions as its geometry type needs.
areas-problem-no-polygons = its geometry has no polygons.
areas-problem-bad-position = position { $position } of { $ring } is not two numbers (longitude, latitude).
areas-problem-too-few = { $ring } has { $count } positions; a ring needs at least 4 (three corners, then the first again to close it).
areas-problem-too-few-distinct = { $ring } has fewer than three corners that are not on one line, so it encloses nothing.
areas-problem-not-closed = { $ring } is not closed: its last position must be the same as its first.
areas-problem-out-of-range = position { $position } of { $ring } is [{ $lon }, { $lat }], which is not a longitude (-180 to 180) and latitude (-90 to 90). GeoJSON is in WGS 84 degrees, longitude first; convert a file in a national grid (such as British National Grid, EPSG:27700) to WGS 84 first.
areas-problem-self-intersection = { $ring } crosses or touches itself.
areas-problem-rings-cross = { $a } and { $b } cross or share a stretch of line.
areas-problem-hole-outside = { $ring } is not inside its polygon's outer ring.
areas-problem-parts-overlap = polygons { $a } and { $b } of its MultiPolygon overlap or share an edge; merge them into one polygon.
areas-problem-missing-property = it has no "{ $property }" property. Its properties are: { $available }. Say which one to use for the name or the code.
areas-problem-missing-property-none = it has no "{ $property }" property, and no properties at all.
areas-problem-bad-property = its "{ $property }" property is empty, or not text or a number.
areas-problem-property-too-long = its "{ $property }" property is longer than { $max } characters.
areas-problem-duplicate-code = its code "{ $code }" is also the code of features[{ $first }]; every area needs a code of its own.
areas-problem-more = … and { $count } more problems.

## The admin page /staff/admin/areas
areas-title = Areas
areas-nav = Areas
areas-forbidden = Only administrators can import areas.
areas-intro = Wards or districts, imported from GeoJSON. Every request with coordinates is placed in the area it lies in, when it arrives and when its location changes; reports count requests by area ("unknown" for none).
areas-none = No areas have been imported yet.
areas-code = Code
areas-name = Name
areas-kind = Kind
areas-vertices = Corners
areas-tickets = Requests
areas-updated = Changed
areas-retired = Retired
areas-retired-title = Retired areas
areas-retired-hint = No longer in the latest file. Requests placed in them before are kept; they come back if a later file has their code.
areas-unplaced = Requests with coordinates outside every area: { $count }
areas-without-coordinates = Requests without coordinates: { $count }
areas-import-title = Import areas
areas-import-hint = A GeoJSON FeatureCollection in WGS 84 longitude/latitude (RFC 7946), one Feature per area with a Polygon or MultiPolygon and properties for its name and code. The file replaces the current set: areas are matched by code, and codes missing from it are retired. A file with any mistake changes nothing.
areas-import-file = GeoJSON file
areas-import-file-hint = Up to { $max }.
areas-import-text = Or paste the GeoJSON
areas-import-kind = Kind of area
areas-import-kind-hint = For example ward or district.
areas-import-name-property = Property with the name
areas-import-code-property = Property with the code
areas-import-send = Import
areas-import-problems = The file was not imported
areas-import-problems-hint = Nothing has changed. Put these right and try again:
areas-done = Imported { $features } areas: { $created } new, { $reshaped } with a new outline, { $renamed } renamed, { $unchanged } unchanged, { $retired } retired.
areas-placement-done = Requests re-placed: { $checked } looked at, { $moved } moved to another area.
areas-placement-running = Re-placing requests: { $checked } looked at so far, { $moved } moved. This goes on in the background; reload the page to see how far it got.
areas-placement-none = No outline changed, so no request moved.
areas-recent-title = Recent imports
areas-recent-when = When
areas-recent-by = By
areas-recent-source-cli = command line
areas-recent-source-admin = admin page
areas-recent-source-seed = demo data
areas-recent-summary = { $features } areas: { $created } new, { $reshaped } new outline, { $renamed } renamed, { $retired } retired

## The ticket page and its "change location" action
areas-area = Area
areas-area-unknown = Not in any area
tickets-event-location-changed = Location changed
tickets-location-title = Change the location
tickets-location-hint = The address and/or the coordinates; the request is placed in the area of its new coordinates. Clear both only if the service does not need a location.
tickets-location-address = Address
tickets-location-latitude = Latitude
tickets-location-longitude = Longitude
tickets-location-send = Save the location
tickets-done-location = The location was changed.
tickets-error-location-same = This is the location the request already has.

## The queue filter
queues-field-area = Area
