"""The bodies of the people routes (identity_views.py), as marshmallow schemas: one description that
both checks what a client sends (a bad field is a 422 naming it) and documents it in /openapi.json
(people_openapi.py), as the services' schemas do."""

from __future__ import annotations

from flask import request
from marshmallow import ValidationError, fields, validate

from fieldbook_shared.context import ROLES
from fieldbook_shared.inputs import read_json_body, refused_text_fields
from fieldbook_shared.problems import ValidationFailed, flatten_errors
from fieldbook_shared.schemas import StrictSchema

from .identity import MIN_PASSWORD

_ROLE = validate.OneOf(ROLES)
_EMAIL = validate.Length(min=3, max=254)
_PASSWORD = validate.Length(min=MIN_PASSWORD, max=1000)
_CODE = {"description": "The 6 digits the authenticator app shows now."}


def load(schema: StrictSchema) -> dict:
    """The request's JSON body as `schema` loads it; a 422 naming each bad field otherwise. As the
    services do (the kit's inputs.py): unreadable JSON and text PostgreSQL cannot hold (a NUL, an
    unpaired surrogate) are refused before anything reaches the database."""
    body = read_json_body() if request.is_json else None
    refused = refused_text_fields(body)
    if refused:
        raise ValidationFailed({name: [why] for name, why in refused.items()})
    try:
        return schema.load(body if isinstance(body, dict) else {})
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc


class UserSchema(StrictSchema):
    id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    email = fields.String(required=True, metadata={"description": "The login name."})
    name = fields.String(required=True)
    role = fields.String(required=True, validate=_ROLE)
    locked = fields.Boolean(required=True, metadata={"description": "Too many failed logins, for now."})
    disabled = fields.Boolean(required=True)
    second_factor = fields.Boolean(required=True, metadata={"description": "A TOTP code is asked at login."})
    created_at = fields.DateTime(required=True)


class UserNewSchema(StrictSchema):
    email = fields.String(required=True, validate=_EMAIL, metadata={"description": "The login name."})
    name = fields.String(validate=validate.Length(max=200), metadata={"description": "Default: the email."})
    role = fields.String(required=True, validate=_ROLE)
    password = fields.String(required=True, validate=_PASSWORD)


class UserChangeSchema(StrictSchema):
    name = fields.String(validate=validate.Length(max=200))
    role = fields.String(validate=_ROLE)
    password = fields.String(validate=_PASSWORD)
    disabled = fields.Boolean(metadata={"description": "true ends every session of the user at once."})
    unlock = fields.Boolean(metadata={"description": "true lifts a lock of too many failed logins."})


class LoginSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=1000))
    code = fields.String(
        validate=validate.Length(max=20),
        metadata={"description": "The TOTP code, for a user with a second factor who logs in in one step."},
    )


class LoginSessionSchema(StrictSchema):
    token = fields.String(
        required=True, metadata={"description": "`fs_…`: send it as `Authorization: Bearer`; shown once."}
    )
    expires_at = fields.DateTime(required=True)
    user = fields.Nested(UserSchema, required=True)


class LoginChallengeSchema(StrictSchema):
    second_factor = fields.String(required=True, validate=validate.OneOf(["totp"]))
    challenge = fields.String(
        required=True,
        metadata={"description": "`fc_…`: send it with the code to /v1/sessions/second-factor."},
    )
    expires_at = fields.DateTime(required=True)


class SecondFactorLoginSchema(StrictSchema):
    challenge = fields.String(required=True, validate=validate.Length(max=100))
    code = fields.String(required=True, validate=validate.Length(max=20), metadata=_CODE)


class CurrentSessionSchema(StrictSchema):
    user = fields.Nested(UserSchema, required=True)
    expires_at = fields.DateTime(required=True)


class SessionsEndedSchema(StrictSchema):
    ended = fields.Integer(required=True, metadata={"description": "How many sessions ended."})


class SecondFactorSetupSchema(StrictSchema):
    secret = fields.String(required=True, metadata={"description": "base32; shown this once."})
    otpauth_uri = fields.String(
        required=True, metadata={"description": "`otpauth://totp/…`: what an authenticator app reads."}
    )


class SecondFactorCodeSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(max=20), metadata=_CODE)


class InvitationSchema(StrictSchema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, validate=_ROLE)
    status = fields.String(required=True, validate=validate.OneOf(["pending", "accepted", "expired"]))
    invited_by = fields.String(required=True, metadata={"description": "The actor who invited."})
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    accepted_at = fields.DateTime(required=True, allow_none=True)
    user_id = fields.String(required=True, allow_none=True, metadata={"description": "Once accepted."})


class InvitationNewSchema(StrictSchema):
    email = fields.String(required=True, validate=_EMAIL)
    name = fields.String(validate=validate.Length(max=200))
    role = fields.String(required=True, validate=_ROLE)


class InvitationAcceptanceSchema(StrictSchema):
    token = fields.String(
        required=True, validate=validate.Length(max=100), metadata={"description": "`fi_…`"}
    )
    password = fields.String(required=True, validate=_PASSWORD)
    name = fields.String(validate=validate.Length(max=200))


SCHEMAS = {
    name.removesuffix("Schema"): schema
    for name, schema in dict(globals()).items()
    if name.endswith("Schema")
    and isinstance(schema, type)
    and issubclass(schema, StrictSchema)
    and schema is not StrictSchema
}
