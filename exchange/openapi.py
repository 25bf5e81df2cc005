"""The OpenAPI 3.1 description of the exchange API, served at /api/lien-thong/v1/openapi.json and
as a Vietnamese page at /api/lien-thong/v1/ (no external scripts). Kept beside the views it
describes; tests/exchange/test_openapi.py validates it with openapi-spec-validator and checks
that every route of exchange/urls.py is described."""

import copy

from exchange.signing import TAG, WINDOW_S

V1 = "/api/lien-thong/v1"


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


ERROR_RESPONSES = {
    "400": ("Bản tin sai: JSON hỏng, thiếu trường, sai kiểu, sai loại (type) hoặc phiên bản.", None),
    "401": (
        "Chữ ký không được chấp nhận: thiếu chữ ký, mã khoá lạ, nội dung không khớp Content-Digest (bị sửa), "
        f"chữ ký sai, hoặc thời điểm ký lệch quá {WINDOW_S // 60} phút.",
        None,
    ),
    "403": (
        "Sai chiều (cấp dưới gửi thông tin nguồn, cấp trên gửi số liệu) hoặc nơi nhận ngoài phạm vi đăng ký.",
        None,
    ),
    "409": (
        "Bản tin phát lại: nonce đã dùng (mã lỗi replayed); hoặc cùng nội dung đang được nhận từ bản tin khác "
        "cùng lúc (conflict: gửi lại sau).",
        None,
    ),
    "413": ("Bản tin quá lớn.", None),
    "422": (
        "Không nhận được nội dung: mã đơn vị không có (unknown_unit_code, nêu mã), nội dung không hợp lệ, "
        "âm thanh không tải hay không dùng được. Không có gì được lưu.",
        None,
    ),
}

SIGNED = [{"httpSig": []}]


def _errors(*codes):
    return {
        code: {
            "description": ERROR_RESPONSES[code][0],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for code in codes
    }


def _post(kind, summary, description, schema):
    return {
        "post": {
            "operationId": f"send_{kind}",
            "summary": summary,
            "description": description,
            "security": SIGNED,
            "parameters": [
                {"$ref": "#/components/parameters/ContentDigest"},
                {"$ref": "#/components/parameters/SignatureInput"},
                {"$ref": "#/components/parameters/Signature"},
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(schema)}}},
            "responses": {
                "200": {
                    "description": "Đã nhận (hoặc đã nhận trước đây: status duplicate/unchanged).",
                    "content": {"application/json": {"schema": _ref("Result")}},
                },
                **_errors("400", "401", "403", "409", "413", "422"),
            },
        }
    }


def _string(description="", **more):
    return {"type": "string", "description": description, **more} if description else {"type": "string", **more}


SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": _string(
                        "Mã lỗi cho máy: unsigned, bad_signature_input, unknown_key, digest_mismatch, bad_signature, "
                        "expired, replayed, conflict, wrong_recipient, invalid_json, too_deep, invalid_text, bad_content_length, invalid_message, wrong_type, unsupported_version, "
                        "wrong_direction, outside_subscription, unknown_unit_code, invalid_item, no_section, "
                        "audio_unavailable, audio_digest, audio_too_large, audio_rejected, too_large, not_found, no_key."
                    ),
                    "message": _string("Lý do, tiếng Việt, cho người đọc."),
                },
            }
        },
    },
    "Result": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {
                "type": "string",
                "enum": ["created", "updated", "unchanged", "withdrawn", "unknown", "stored", "duplicate"],
            },
            "page": {"type": "integer"},
            "programme": {"type": "integer"},
            "report": {"type": "integer"},
            "url": {"type": "string"},
            "message": {"type": "string"},
        },
    },
    "Sender": {
        "type": "object",
        "required": ["unit_code", "name"],
        "properties": {"unit_code": _string("Mã đơn vị hành chính của bên gửi."), "name": _string()},
    },
    "Envelope": {
        "type": "object",
        "required": ["version", "id", "type", "sent_at", "recipient"],
        "properties": {
            "version": {"type": "integer", "const": 1},
            "id": _string(
                "Mã bản tin (UUID): bản tin trùng mã được trả lời duplicate, không làm gì thêm.", maxLength=64
            ),
            "type": {"type": "string", "enum": ["source_item", "alert", "programme", "indicators", "device_status"]},
            "sent_at": _string(format="date-time"),
            "recipient": _string(
                "Mã khoá (ed25519:…) của hệ thống nhận: bản tin gửi cho hệ thống khác bị từ chối "
                "(403 wrong_recipient), nên không thể đem chữ ký sang hệ thống khác dùng lại.",
                maxLength=60,
            ),
            "sender": _ref("Sender"),
        },
    },
    "Targets": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "pattern": "^[0-9]{2,5}$"},
        "description": "Mã đơn vị hành chính chính thức (tỉnh 2 số, huyện 3 số, xã 5 số) của bên nhận. "
        "Một mã lạ: cả bản tin bị từ chối (422, nêu mã).",
    },
    "ItemBase": {
        "type": "object",
        "required": ["remote_id"],
        "properties": {
            "remote_id": _string("Mã của nội dung ở bên gửi; cập nhật và thu hồi dùng cùng mã.", maxLength=100),
            "version": {
                "type": "integer",
                "minimum": 0,
                "description": "Tăng khi nội dung đổi; bản không mới hơn được bỏ qua (unchanged).",
            },
        },
    },
    "SourceItem": {
        "allOf": [
            _ref("ItemBase"),
            {
                "type": "object",
                "required": ["title", "summary", "valid_from", "targets"],
                "properties": {
                    "title": _string(maxLength=255),
                    "summary": _string(maxLength=800),
                    "date": _string(format="date"),
                    "valid_from": _string(format="date-time"),
                    "valid_until": {"type": ["string", "null"], "format": "date-time"},
                    "priority": {"type": "string", "enum": ["normal", "priority"]},
                    "show_on_sites": {"type": "boolean"},
                    "show_on_boards": {"type": "boolean"},
                    "body": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["type", "text"],
                            "properties": {
                                "type": {"type": "string", "enum": ["heading", "paragraph"]},
                                "text": _string("Văn bản thuần (không HTML).", maxLength=20000),
                            },
                        },
                    },
                    "targets": _ref("Targets"),
                    "url": _string("Địa chỉ bản gốc ở bên gửi."),
                },
            },
        ]
    },
    "Alert": {
        "allOf": [
            _ref("ItemBase"),
            {
                "type": "object",
                "required": ["title", "summary", "event", "valid_from", "valid_until", "targets"],
                "description": "Các trường của một <info> CAP 1.2.",
                "properties": {
                    "title": _string("headline", maxLength=255),
                    "summary": _string("description", maxLength=800),
                    "event": _string(maxLength=120),
                    "category": {
                        "type": "string",
                        "enum": [
                            "Met",
                            "Geo",
                            "Health",
                            "Safety",
                            "Security",
                            "Rescue",
                            "Fire",
                            "Env",
                            "Transport",
                            "Infra",
                            "CBRNE",
                            "Other",
                        ],
                    },
                    "urgency": {"type": "string", "enum": ["Immediate", "Expected", "Future", "Past", "Unknown"]},
                    "severity": {"type": "string", "enum": ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]},
                    "certainty": {"type": "string", "enum": ["Observed", "Likely", "Possible", "Unlikely", "Unknown"]},
                    "instruction": _string(maxLength=2000),
                    "sender_name": _string(maxLength=200),
                    "area_desc": _string(maxLength=500),
                    "contact": _string(maxLength=200),
                    "valid_from": _string("onset", format="date-time"),
                    "valid_until": _string("expires", format="date-time"),
                    "show_on_boards": {"type": "boolean"},
                    "cap_identifier": _string(maxLength=200),
                    "cap_status": {"type": "string", "enum": ["Actual", "Exercise", "System", "Test", "Draft"]},
                    "cap_msg_type": {"type": "string", "enum": ["Alert", "Update", "Cancel", "Ack", "Error"]},
                    "targets": _ref("Targets"),
                },
            },
        ]
    },
    "Programme": {
        "allOf": [
            _ref("ItemBase"),
            {
                "type": "object",
                "required": ["title", "valid_from", "targets", "audio"],
                "properties": {
                    "title": _string(maxLength=200),
                    "priority": {"type": "string", "enum": ["normal", "priority", "emergency"]},
                    "valid_from": _string(format="date-time"),
                    "valid_until": {"type": ["string", "null"], "format": "date-time"},
                    "targets": _ref("Targets"),
                    "audio": {
                        "type": "object",
                        "required": ["path", "sha256"],
                        "properties": {
                            "path": _string(f"Đường dẫn {V1}/audio/{{id}}/ ở bên gửi: bên nhận tải về bằng GET có ký."),
                            "sha256": _string(pattern="^[0-9a-f]{64}$"),
                            "duration_s": {"type": ["number", "null"]},
                        },
                    },
                },
            },
        ]
    },
    "Withdrawal": _ref("ItemBase"),
    "Ratio": {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "total": {"type": "integer"},
            "rate": {"type": ["number", "null"]},
            "applicable": {"type": "boolean"},
        },
    },
    "UnitRef": {
        "type": "object",
        "required": ["code", "name"],
        "properties": {"code": _string(), "name": _string(), "level": _string()},
    },
    "IndicatorsReport": {
        "type": "object",
        "required": ["unit", "period", "totals"],
        "properties": {
            "unit": _ref("UnitRef"),
            "period": {
                "type": "object",
                "properties": {
                    "key": _string(),
                    "label": _string(),
                    "start": _string(format="date"),
                    "end": _string(format="date"),
                },
            },
            "as_of": {"type": ["string", "null"], "format": "date-time"},
            "totals": {
                "type": "object",
                "description": "Số liệu tổng của địa bàn: tỷ lệ theo từng chỉ tiêu.",
                "additionalProperties": True,
            },
            "rows": {"type": "array", "items": {"type": "object"}},
            "indicators": {
                "type": "array",
                "items": {"type": "object"},
                "description": "Các chỉ tiêu theo số thứ tự của Bộ (1.1 … 3) với chỉ tiêu năm.",
            },
        },
    },
    "DeviceStatusReport": {
        "type": "object",
        "required": ["unit", "at", "devices"],
        "properties": {
            "unit": _ref("UnitRef"),
            "at": _string(format="date-time"),
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "devices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["unit_code", "kind", "state"],
                    "properties": {
                        "unit_code": _string(),
                        "unit_name": _string(),
                        "name": _string(),
                        "kind": {"type": "string", "description": "Loại bảng (lcd, led …) hoặc audio (cụm loa)."},
                        "size": {
                            "type": ["object", "null"],
                            "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}},
                        },
                        "large": {"type": "boolean"},
                        "state": {"type": "string", "enum": ["online", "offline", "never"]},
                        "last_seen_at": {"type": ["string", "null"], "format": "date-time"},
                    },
                },
            },
        },
    },
}


def _item_message(kind, schema):
    return {
        "allOf": [
            _ref("Envelope"),
            {
                "type": "object",
                "required": ["action", "item"],
                "properties": {
                    "type": {"const": kind},
                    "action": {
                        "type": "string",
                        "enum": ["publish", "withdraw"],
                        "description": "publish: tạo hoặc cập nhật; withdraw: thu hồi (item chỉ cần remote_id).",
                    },
                    "item": {"oneOf": [_ref(schema), _ref("Withdrawal")]},
                },
            },
        ]
    }


def _report_message(kind, schema):
    return {
        "allOf": [
            _ref("Envelope"),
            {"type": "object", "required": ["report"], "properties": {"type": {"const": kind}, "report": _ref(schema)}},
        ]
    }


SCHEMAS.update(
    {
        "SourceItemMessage": _item_message("source_item", "SourceItem"),
        "AlertMessage": _item_message("alert", "Alert"),
        "ProgrammeMessage": _item_message("programme", "Programme"),
        "IndicatorsMessage": _report_message("indicators", "IndicatorsReport"),
        "DeviceStatusMessage": _report_message("device_status", "DeviceStatusReport"),
    }
)

SIGNATURE_TEXT = (
    "Mọi yêu cầu (trừ tài liệu này và khoá công khai) được ký theo HTTP Message Signatures (RFC 9421) với "
    'Content-Digest (RFC 9530), khoá Ed25519. Các thành phần được ký, theo thứ tự: "@method" "@path" '
    '"@query" "content-digest"; tham số: created (giây Unix), keyid ("ed25519:" + 32 ký tự hex đầu của '
    f'SHA-256 khoá công khai), nonce (ngẫu nhiên, chỉ dùng một lần), alg="ed25519", tag="{TAG}". Ví dụ:\n'
    "Content-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\n"
    'Signature-Input: sig1=("@method" "@path" "@query" "content-digest");created=1765008000;'
    f'keyid="ed25519:…";nonce="…";alg="ed25519";tag="{TAG}"\n'
    "Signature: sig1=:…base64…:\n"
    f"Bên nhận kiểm tra: mã khoá thuộc một hệ thống đã đăng ký (401), nội dung khớp Content-Digest (401), chữ ký "
    f"đúng với khoá của chính hệ thống đó (401), created lệch không quá ±{WINDOW_S // 60} phút (401), nonce chưa "
    "dùng (409). Mọi lần từ chối được ghi vào Nhật ký nhận."
)


def _header(name, description, example):
    return {
        "name": name,
        "in": "header",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
        "example": example,
    }


DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Liên thông thông tin cơ sở (tincoso) — API v1",
        "version": "1.0.0",
        "summary": "Trao đổi thông tin nguồn, cảnh báo, chương trình phát thanh, chỉ tiêu và tình trạng thiết bị "
        "giữa các hệ thống thông tin cơ sở.",
        "description": (
            "Hệ thống cấp trên (hệ thống thông tin nguồn trung ương, hoặc một tỉnh) gửi thông tin nguồn, cảnh báo "
            "khẩn cấp và chương trình phát thanh xuống các hệ thống đăng ký nhận; nơi nhận là mã đơn vị hành chính "
            "chính thức. Hệ thống cấp dưới gửi chỉ tiêu và tình trạng thiết bị lên. Mỗi hệ thống có khoá riêng.\n\n"
            + SIGNATURE_TEXT
            + '\n\nLỗi luôn trả về JSON {"error": {"code", "message"}}; không có gì được lưu dở dang.'
        ),
    },
    "servers": [{"url": "/", "description": "Chính hệ thống này"}],
    "paths": {
        f"{V1}/source-items/": _post(
            "source_item",
            "Gửi hoặc thu hồi thông tin nguồn",
            "Tạo, cập nhật (cùng remote_id, version lớn hơn) hoặc thu hồi một tin trong chuyên mục Thông tin nguồn "
            "của cổng bên nhận, đã xuất bản, hiện trên trang các xã và bảng điện tử được nhắm tới.",
            "SourceItemMessage",
        ),
        f"{V1}/alerts/": _post(
            "alert",
            "Gửi hoặc thu hồi cảnh báo khẩn cấp",
            "Như thông tin nguồn, với các trường CAP 1.2; cảnh báo còn hiệu lực chiếm các bảng được nhắm tới.",
            "AlertMessage",
        ),
        f"{V1}/programmes/": _post(
            "programme",
            "Gửi hoặc thu hồi chương trình phát thanh thu sẵn",
            "Bên nhận tải âm thanh bằng GET có ký tới audio.path của bên gửi, kiểm tra SHA-256 và nội dung, chuẩn "
            "hoá độ to rồi đưa tới các cụm loa được nhắm tới.",
            "ProgrammeMessage",
        ),
        f"{V1}/reports/indicators/": _post(
            "indicators",
            "Gửi chỉ tiêu của địa bàn lên cấp trên",
            "Số liệu chỉ tiêu của một tỉnh (hoặc huyện) trong một kỳ; bên nhận lưu và hiện ở Liên thông → Số liệu "
            "nhận từ các tỉnh.",
            "IndicatorsMessage",
        ),
        f"{V1}/reports/device-status/": _post(
            "device_status",
            "Gửi tình trạng bảng điện tử và cụm loa lên cấp trên",
            "Từng bảng, cụm loa: mã đơn vị, loại, kích thước, trạng thái (online/offline/never), lần cuối thấy.",
            "DeviceStatusMessage",
        ),
        f"{V1}/audio/{{id}}/": {
            "get": {
                "operationId": "get_programme_audio",
                "summary": "Tải âm thanh của chương trình đã gửi cho hệ thống này",
                "description": "GET có ký (Content-Digest của nội dung rỗng). Chỉ hệ thống đã được gửi chương "
                "trình mới tải được.",
                "security": SIGNED,
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"$ref": "#/components/parameters/ContentDigest"},
                    {"$ref": "#/components/parameters/SignatureInput"},
                    {"$ref": "#/components/parameters/Signature"},
                ],
                "responses": {
                    "200": {
                        "description": "Tệp MP3 đã chuẩn hoá.",
                        "content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_errors("401", "409"),
                    "404": {
                        "description": "Không có chương trình này cho hệ thống gọi.",
                        "content": {"application/json": {"schema": _ref("Error")}},
                    },
                },
            }
        },
        f"{V1}/key/": {
            "get": {
                "operationId": "get_public_key",
                "summary": "Khoá công khai của hệ thống này",
                "description": "Để đối chiếu khi ghép nối; khoá vẫn phải được trao qua kênh tin cậy.",
                "responses": {
                    "200": {
                        "description": "Khoá công khai Ed25519 (base64) và mã khoá.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "public_key": _string(),
                                        "key_id": _string(),
                                        "algorithm": _string(),
                                    },
                                }
                            }
                        },
                    },
                    "503": {
                        "description": "Chưa tạo khoá.",
                        "content": {"application/json": {"schema": _ref("Error")}},
                    },
                },
            }
        },
        f"{V1}/openapi.json": {
            "get": {
                "operationId": "get_openapi",
                "summary": "Tài liệu này (OpenAPI 3.1)",
                "responses": {
                    "200": {
                        "description": "Tài liệu OpenAPI.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "httpSig": {
                "type": "apiKey",
                "in": "header",
                "name": "Signature",
                "description": SIGNATURE_TEXT,
            }
        },
        "parameters": {
            "ContentDigest": _header(
                "Content-Digest",
                "SHA-256 của thân bản tin (RFC 9530).",
                "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
            ),
            "SignatureInput": _header(
                "Signature-Input",
                "Các thành phần được ký và tham số (RFC 9421).",
                f'sig1=("@method" "@path" "@query" "content-digest");created=1765008000;'
                f'keyid="ed25519:0123456789abcdef0123456789abcdef";nonce="n0nce-123456";'
                f'alg="ed25519";tag="{TAG}"',
            ),
            "Signature": _header("Signature", "Chữ ký Ed25519 của chuỗi ký (RFC 9421 §2.5), base64.", "sig1=:…:"),
        },
        "schemas": SCHEMAS,
    },
}


def document():
    return copy.deepcopy(DOCUMENT)


def readable():
    """The document arranged for the HTML page: operations in order, schemas with their fields."""
    operations = []
    for path, methods in DOCUMENT["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "signed": bool(op.get("security")),
                    "body": body.get("$ref", "").rsplit("/", 1)[-1],
                    "responses": [(code, r.get("description", "")) for code, r in op["responses"].items()],
                }
            )
    schemas = []
    for name, schema in SCHEMAS.items():
        fields = []
        parts = schema.get("allOf", [schema])
        for part in parts:
            if "$ref" in part:
                fields.append(("…", "", "các trường của " + part["$ref"].rsplit("/", 1)[-1]))
                continue
            required = set(part.get("required", []))
            for field, spec in part.get("properties", {}).items():
                kind = spec.get("type") or (spec.get("$ref", "").rsplit("/", 1)[-1]) or "…"
                if isinstance(kind, list):
                    kind = " | ".join(kind)
                if "enum" in spec:
                    kind = f"{kind}: " + ", ".join(map(str, spec["enum"]))
                fields.append((field + (" *" if field in required else ""), kind, spec.get("description", "")))
        schemas.append({"name": name, "description": schema.get("description", ""), "fields": fields})
    return {
        "info": DOCUMENT["info"],
        "signature": SIGNATURE_TEXT,
        "operations": operations,
        "schemas": schemas,
    }
