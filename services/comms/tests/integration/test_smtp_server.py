"""The real SmtpTransport against a real SMTP server (aiosmtpd) on loopback: a 5xx refusal fails the
email for good with the server's words; login with SMTP_USERNAME / SMTP_PASSWORD; STARTTLS, with the
server's certificate checked against the trusted CAs (a test CA, through OpenSSL's SSL_CERT_FILE);
implicit TLS (SMTP_SSL, port 465 style); a server that turns the connection away."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import ssl
import subprocess
import threading
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.smtp import SMTP, AuthResult

from comms.sending import Sender

USER, PASSWORD = "office", "s3cret"

# login without TLS is allowed on purpose in the login tests (the STARTTLS tests require TLS for it)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


class LoopbackSmtp:
    """An aiosmtpd server on 127.0.0.1, on a port the OS picks, in its own thread. `rcpt_reply` /
    `data_reply` (e.g. "550 5.1.1 …") refuse at that step; `accepted` holds what was delivered."""

    def __init__(self, server_ssl: ssl.SSLContext | None = None, **smtp_options):
        self.rcpt_reply = self.data_reply = None
        self.rcpts: list[str] = []
        self.accepted: list[dict] = []
        self.logins: list[tuple[str, str, bool]] = []  # (mechanism, user, accepted)
        self.connections = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        options = {"authenticator": self._authenticate, "auth_require_tls": False, **smtp_options}

        def connection():
            self.connections += 1
            return SMTP(self, loop=self.loop, **options)

        create = self.loop.create_server(connection, "127.0.0.1", 0, ssl=server_ssl)  # ssl: implicit TLS
        self.server = asyncio.run_coroutine_threadsafe(create, self.loop).result(5)
        self.port = self.server.sockets[0].getsockname()[1]

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
        self.logins.append((mechanism, auth_data.login.decode(), ok))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)  # failed: 535

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpts.append(address)
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        message = message_from_bytes(envelope.content, policy=default)
        self.accepted.append(
            {
                "message": message,
                "login": session.auth_data and session.auth_data.login,
                "tls": server.transport.get_extra_info("ssl_object") is not None,  # STARTTLS or implicit
            }
        )
        return "250 Message accepted for delivery"

    def stop(self):
        async def close():
            self.server.close()
            await self.server.wait_closed()
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def server():
    servers = []

    def start(server_ssl=None, **smtp_options):
        servers.append(LoopbackSmtp(server_ssl, **smtp_options))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def real_sender(settings, sessions, uow_factory, port, **smtp):
    """The worker's sender with its own SmtpTransport, pointed at the loopback server."""
    changes = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_timeout": 5.0, **smtp}
    return Sender(dataclasses.replace(settings, **changes), sessions, uow_factory)


def _queue(api, to="jane@example.com"):
    r = api.post("/v1/emails", {"to": to, "subject": "Your quote", "body": "Dear Jane"})
    assert r.status_code == 202, r.get_json()
    return r.get_json()["id"]


# --- a permanent refusal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step, reply",
    [("rcpt", "550 5.1.1 No such user here"), ("data", "554 5.7.1 Message rejected as spam")],
)
def test_a_5xx_refusal_fails_the_email_with_the_servers_code_and_words_and_is_never_retried(
    api, settings, sessions, uow_factory, server, outbox, step, reply
):
    smtp = server()
    setattr(smtp, f"{step}_reply", reply)
    sender = real_sender(settings, sessions, uow_factory, smtp.port)
    email_id = _queue(api, to="nobody@example.com")

    assert sender.send_due() == 1
    code, text = int(reply[:3]), reply[4:]
    email = api.get(f"/v1/emails/{email_id}").get_json()
    assert email["status"] == "failed" and email["attempts"] == 1
    assert email["smtp_code"] == code and email["smtp_response"] == text
    assert [(a["outcome"], a["smtp_code"]) for a in email["send_log"]] == [("permanent", code)]
    [event] = outbox("email.failed")
    assert event["data"]["permanent"] is True and event["data"]["reason"] == reply

    assert sender.send_due() == 0  # retries are due at once in these tests: none is made
    assert smtp.rcpts == ["nobody@example.com"] and smtp.accepted == []


# --- login ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_login_with_the_configured_user_and_password_then_delivery(
    api, settings, sessions, uow_factory, server, mechanism
):
    others = {"LOGIN", "PLAIN"} - {mechanism}
    smtp = server(auth_required=True, auth_exclude_mechanism=others)
    sender = real_sender(
        settings, sessions, uow_factory, smtp.port, smtp_username=USER, smtp_password=PASSWORD
    )
    email_id = _queue(api)

    assert sender.send_due() == 1
    assert api.get(f"/v1/emails/{email_id}").get_json()["status"] == "sent"
    assert smtp.logins == [(mechanism, USER, True)]
    [delivered] = smtp.accepted
    assert delivered["login"] == USER.encode() and delivered["message"]["Subject"] == "Your quote"


def test_a_refused_login_is_retried_as_a_configuration_trouble_then_given_up_with_the_reason(
    api, settings, sessions, uow_factory, server, outbox
):
    """A wrong password says nothing about the email: retried with backoff (time to fix the
    setting), one login per batch, not one per email; failed after SMTP_MAX_ATTEMPTS (3 here)."""
    smtp = server(auth_required=True, auth_exclude_mechanism=["PLAIN"])
    sender = real_sender(
        settings, sessions, uow_factory, smtp.port, smtp_username=USER, smtp_password="wrong"
    )
    ids = [_queue(api), _queue(api, to="john@example.com")]

    assert sender.send_due() == 2
    assert smtp.logins == [("LOGIN", USER, False)] and smtp.connections == 1
    first = api.get(f"/v1/emails/{ids[0]}").get_json()
    assert first["status"] == "queued" and first["smtp_code"] == 535
    assert first["smtp_response"] == "SMTP login refused: 5.7.8 Authentication credentials invalid"

    sender.send_due()
    sender.send_due()
    assert len(smtp.logins) == 3 and smtp.accepted == [] and smtp.rcpts == []
    for email_id in ids:
        email = api.get(f"/v1/emails/{email_id}").get_json()
        assert email["status"] == "failed" and email["attempts"] == 3
        assert [a["outcome"] for a in email["send_log"]] == ["temporary"] * 3
    reasons = {(e["data"]["permanent"], e["data"]["reason"]) for e in outbox("email.failed")}
    assert reasons == {
        (False, "535 gave up after 3 attempts: SMTP login refused: 5.7.8 Authentication credentials invalid")
    }


# --- STARTTLS and implicit TLS --------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 (OpenSSL's command line): (cert file, key file)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def _server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _trust_no_ca(monkeypatch, tmp_path) -> None:
    """The sender trusts no CA at all, whatever the machine has."""
    nothing = tmp_path / "no-cas"
    nothing.mkdir()
    (nothing / "none.pem").write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(nothing / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(nothing))


def _tls_server_and_sender(tls, server, certificate, settings, sessions, uow_factory):
    """A server that requires TLS and login, and the sender with the user and password. `tls` names
    the sender's setting: "starttls" (a plain connection upgraded; login only once it is encrypted,
    aiosmtpd's default) or "ssl" (implicit TLS from the first byte, so aiosmtpd's STARTTLS rule is
    not needed)."""
    if tls == "starttls":
        smtp = server(
            tls_context=_server_context(certificate),
            require_starttls=True,
            auth_require_tls=True,
            auth_required=True,
        )
    else:
        smtp = server(server_ssl=_server_context(certificate), auth_required=True)
    login = {"smtp_username": USER, "smtp_password": PASSWORD}
    return smtp, real_sender(settings, sessions, uow_factory, smtp.port, **{f"smtp_{tls}": True}, **login)


# STARTTLS, and implicit TLS (SMTP_SSL, port 465 style)
TLS_WAYS = [pytest.param("starttls", id="starttls"), pytest.param("ssl", id="implicit-tls")]


@pytest.mark.parametrize("tls", TLS_WAYS)
def test_tls_with_a_trusted_certificate_then_login_and_delivery(
    tls, api, settings, sessions, uow_factory, server, certificate, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the machine trusts the test CA
    smtp, sender = _tls_server_and_sender(tls, server, certificate, settings, sessions, uow_factory)
    email_id = _queue(api)

    assert sender.send_due() == 1
    assert api.get(f"/v1/emails/{email_id}").get_json()["status"] == "sent"
    [delivered] = smtp.accepted
    assert delivered["tls"] is True and delivered["login"] == USER.encode()


@pytest.mark.parametrize("tls", TLS_WAYS)
def test_tls_refuses_a_certificate_nobody_trusts_and_sends_nothing(
    tls, api, settings, sessions, uow_factory, server, certificate, monkeypatch, tmp_path
):
    _trust_no_ca(monkeypatch, tmp_path)
    smtp, sender = _tls_server_and_sender(tls, server, certificate, settings, sessions, uow_factory)
    email_id = _queue(api)

    sender.send_due()
    email = api.get(f"/v1/emails/{email_id}").get_json()
    assert email["status"] == "queued" and email["smtp_code"] is None  # retried: the server may fix it
    assert "certificate verify failed" in email["smtp_response"]
    assert smtp.logins == [] and smtp.accepted == []


# --- a server that turns the connection away ---------------------------------------------------------


class RefusingGreeter:
    """A server that answers every connection with one reply line (a 554 greeting) and hangs up."""

    def __init__(self, reply: str):
        self.connections = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def greet(reader, writer):
            self.connections += 1
            writer.write(reply.encode() + b"\r\n")
            await writer.drain()
            writer.close()

        create = asyncio.start_server(greet, "127.0.0.1", 0)
        self.server = asyncio.run_coroutine_threadsafe(create, self.loop).result(5)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def test_a_5xx_greeting_says_nothing_about_the_email_so_it_is_retried_once_per_batch(
    api, settings, sessions, uow_factory, outbox
):
    """A 554 greeting (the server refuses service to us) is not the recipient's refusal: every email
    stays queued with the server's words, one connection per batch, failed only after the limit."""
    greeter = RefusingGreeter("554 5.3.2 No SMTP service here")
    try:
        sender = real_sender(settings, sessions, uow_factory, greeter.port)
        ids = [_queue(api), _queue(api, to="john@example.com")]

        assert sender.send_due() == 2
        assert greeter.connections == 1
        for email_id in ids:
            email = api.get(f"/v1/emails/{email_id}").get_json()
            assert email["status"] == "queued" and email["smtp_code"] == 554
            assert email["smtp_response"] == "SMTP server refused the connection: 5.3.2 No SMTP service here"
        assert outbox("email.failed") == []

        sender.send_due()
        sender.send_due()  # SMTP_MAX_ATTEMPTS is 3 in these tests
        for email_id in ids:
            assert api.get(f"/v1/emails/{email_id}").get_json()["status"] == "failed"
        assert {e["data"]["permanent"] for e in outbox("email.failed")} == {False}
    finally:
        greeter.stop()
