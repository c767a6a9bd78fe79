"""An independent emulator of the IONOS Cloud Container Registry API: registries, locations, names,
tokens, repositories, artifacts and vulnerabilities.

It imports nothing from the rest of ``tools``: it is a second implementation of the
API contract, so tests of the client against it catch the client's mistakes, and the
official SDK runs against it to prove the wire format.

Where the real API is undocumented, the emulator chooses (and the README repeats):

* **Duplicate name** on POST or PUT-create: 409 ``NAME_ALREADY_IN_USE``.
* **Invalid body** (bad name, unknown location, bad schedule, allow-list item that is
  not an IPv4/IPv6 address or CIDR, more than 25 items, unknown fields, snake_case
  fields): 400 ``VALIDATION_FAILED`` with a message naming the field. Malformed JSON:
  400 ``MALFORMED_BODY``. Malformed UUID in a path: 400 ``INVALID_ID``.
* **Turning vulnerability scanning off** once on (PATCH or PUT): 400
  ``FEATURE_CANNOT_BE_DISABLED``. Omitting ``features`` on POST or PUT means enabled.
* **Unknown id**: 404 ``NOT_FOUND`` for GET, PATCH and DELETE; PUT creates (201).
* **PUT on an existing registry**: 201 (the only declared status), full replacement:
  an omitted schedule is cleared, an omitted allow list becomes empty (unrestricted).
  Changing ``name`` or ``location``: 400 ``IMMUTABLE_FIELD``.
* **PATCH**: flat body; ``name``/``location`` in it: 400. ``garbageCollectionSchedule:
  null`` clears the schedule; ``apiSubnetAllowList: []`` (or null) removes all
  restrictions. Schedule times are stored as ``HH:MM:SS+00:00`` (``Z`` accepted).
* **Lifecycle**: state ``New`` (hostname ``""``) for ``--provision-seconds`` after
  creation, then ``Running`` with hostname ``<name>.cr.<location, / → ->.ionos.com``.
  DELETE answers 204 at once; the registry shows state ``Deleting`` (writes refused
  with 409 ``REGISTRY_DELETING``, the name still in use) for ``--provision-seconds``,
  then disappears (404).
* **Listing**: sorted by name; ``filter.name`` is a case-insensitive substring;
  ``limit`` 1-1000 (default 100, else 400 ``INVALID_LIMIT``); the token is opaque
  (base64 JSON cursor; a tampered one is 400 ``INVALID_PAGINATION_TOKEN``). The last
  page has ``pagination.token: ""`` and ``_links.next: ""``; ``_links.previous`` is
  always ``""``.
* **Auth**: no ``Authorization`` header → 401 ``UNAUTHORIZED``. Any bearer token or
  basic user/password is accepted, unless ``--token T`` is given: then only
  ``Bearer T``. The creator is the basic-auth user, or ``token-<hash>@example.com``.
  A non-numeric ``X-Contract-Number``: 400.
* Every API response carries ``X-Request-Id``; every error has the IONOS body
  ``{"httpStatus", "messages": [{"errorCode", "message"}]}`` (HEAD: no body).

Tokens, repositories, artifacts, vulnerabilities (the 1.1+ endpoints; choices where undocumented):

* **Paging**: ``offset`` (>= 0) and ``limit`` (1-1000, default 100), else 400 ``INVALID_PAGINATION``;
  ``_links.next`` only when more follow, the back link only past the first page (``previous`` for
  tokens, ``prev`` elsewhere, as the SDK names them); tokens also carry ``count`` and ``total``.
* **Tokens**: POST answers 201 with ``credentials.password`` (the only answer that has it; the
  username is the token's name); a second token with the same name is 409 ``TOKEN_NAME_IN_USE``;
  PUT answers 201 and creates an unknown id, replaces every field otherwise (an omitted expiry
  means never); PATCH takes only ``expiryDate`` (null = never), ``scopes``, ``status``.
* **Repositories**: names may hold ``/``; the path takes them percent-encoded (``team%2Fapp``), and
  unencoded too (everything before the ``artifacts`` segment). ``filter.name`` is a substring,
  ``filter.vulnerabilitySeverity`` matches ``lastSeverity`` (the worst severity of the image pushed
  last) in any case; DELETE removes the repository and its images (204).
* **Severities** are spelt ``Critical``, ``High``, ``Medium``, ``Low``, ``None``, ``Unknown``; filters
  accept any case. Artifacts are listed newest first per repository; vulnerabilities worst first.
  A registry with scanning off has no findings (``vulnMaxSeverity`` null, empty lists).
* ``orderBy`` takes a field name, ``-`` for descending; an unknown one is 400 ``INVALID_ORDER_BY``.

Test hooks (not part of the API): ``POST /_emulator/faults`` with
``{"status": 503, "count": 2, "retry_after": "1", "delay_ms": 0, "drop": false,
"method": "GET"}`` (``status: null`` with ``delay_ms`` only delays; ``drop`` cuts the
connection mid-response), ``POST /_emulator/reset``, ``GET /_emulator/stats``, and
``POST /_emulator/artifacts`` with ``{"registry": name-or-id, "repository", "tags", "vulnerabilities"}``
(what a ``docker push`` would leave; a tag moves to the new image).
"""
