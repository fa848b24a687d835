"""The steps of `make smoke`, in order (smoke/README.md).

Each drives the running stack over HTTPS through nginx with a demo card (or plain
HTTP where that is the point: the CRL, the forged headers), and reads the mail
directory and the logs. The one exception is the worker-kill step: it holds a
table lock in PostgreSQL (never writing a row) so that the worker is killed
while it makes the documents, not before or after.

A step raises ``StepFailed`` (or any exception) to fail; later steps still run,
and one that needs what an earlier one failed to make says so.
"""

from __future__ import annotations

import email
import email.policy
import http.client
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import psycopg
import redis
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID

from smoke.browser import Browser, Page, PageError
from smoke.stack import SWEEP_INTERVAL_SECONDS, Stack
from tests.certificates.csr_factory import fresh_rsa_key, make_csr
from tests.e2e.conftest import read_log

WAIT = 60.0  # seconds for anything the worker does
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"
DOMAIN = "voorbeeld.nl"  # verified for Voorbeeld B.V. in the demo seed
MANAGER = "CB9505784"  # Victor Achterlijn, an identified certificate manager of Voorbeeld B.V.
OFFICER, OFFICER_PASSWORD = "validatie", "demo-validatie"

T = TypeVar("T")


class StepFailed(Exception):
    """The step's check failed; the message is the reason printed after FAIL."""


@dataclass
class Smoke:
    """What the steps share: the stack and what earlier steps made."""

    stack: Stack
    order: str = ""  # reference of joost's order
    certificate_pk: int | None = None
    certificate: x509.Certificate | None = None
    chain: bytes = b""
    common_name: str = ""
    change_request: str = ""  # reference of maximo's change request

    def browser(self, card: str | None) -> Browser:
        return Browser(self.stack.https_port, self.stack.pki, card)

    def need(self, value: T | None, what: str) -> T:
        if not value:
            raise StepFailed(f"no {what} (an earlier step failed)")
        return value


# -- reading what the stack wrote ------------------------------------------------------


def mails(mail_dir: Path) -> list[EmailMessage]:
    """Every message the file backend wrote (one file per connection, 79 dashes between)."""
    found: list[EmailMessage] = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(MAIL_SEPARATOR):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                found.append(message)
    return found


def mails_about(mail_dir: Path, text: str) -> list[EmailMessage]:
    return [m for m in mails(mail_dir) if text in str(m.get("Subject", ""))]


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        part.get_filename() or "": part.get_payload(decode=True)
        for part in message.iter_attachments()
    }


def wait_until(condition: Callable[[], T], what: str, logs: list[Path], timeout: float = WAIT) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise StepFailed(f"timed out after {timeout:.0f} s waiting for {what}\n{tail(*logs)}")


def tail(*logs: Path, lines: int = 30) -> str:
    """The last lines of each log, for a failure's message."""
    return "\n".join(
        f"--- {path.name} ---\n" + "\n".join(read_log(path).splitlines()[-lines:])
        for path in logs
        if path.exists()
    )


def expect(page: Page, status: int | tuple[int, ...], what: str) -> Page:
    wanted = (status,) if isinstance(status, int) else status
    if page.status not in wanted:
        raise StepFailed(f"{what}: {page.url} answered {page.status}, {page.summary()}")
    return page


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


# -- the order wizard ------------------------------------------------------------------


def fresh_csr(cn: str) -> bytes:
    """A new key pair's CSR for ``cn``, with Voorbeeld B.V.'s subject (C, O, OIN)."""
    return make_csr(fresh_rsa_key(2048), cn=cn, sans=[cn])


def _step_of(page: Page) -> str:
    form = page.form(containing=r"-current_step$")
    for name, value in form.form_values():
        if name.endswith("-current_step"):
            return value
    raise PageError(f"no current step on {page.url}")


def _next(browser: Browser, page: Page, fill: Callable[..., None], expected: str) -> Page:
    form = page.form(containing=r"-current_step$")
    fill(form)
    answer = browser.submit(page, form)
    if expected == "placed":
        return answer
    expect(answer, 200, f"the wizard step before {expected}")
    if (step := _step_of(answer)) != expected:
        raise StepFailed(
            f"the wizard stayed on {step!r} instead of {expected!r}: {answer.errors()}"
        )
    return answer


def place_server_order(browser: Browser, cn: str) -> str:
    """The six steps of "Nieuw PKIO servercertificaat" with a fresh CSR; the reference."""
    csr = fresh_csr(cn).decode()

    def nothing(form: object) -> None:
        return None

    def manager(form) -> None:  # noqa: ANN001 (lxml's FormElement)
        form.fields["certificaatbeheerder-choice"] = "existing"
        choose(form, "certificaatbeheerder-manager", MANAGER)

    def certificate(form) -> None:  # noqa: ANN001
        form.fields["certificaat-csr"] = csr
        if "certificaat-product" in form.fields:
            choose(form, "certificaat-product", "PKIoverheid PRIVATE servercertificaat")

    def declarations(form) -> None:  # noqa: ANN001
        for element in form.inputs:
            if getattr(element, "type", "") == "checkbox":
                element.checked = True

    page = expect(browser.get("/servercertificaten/nieuw/pkio/"), 200, "the order wizard")
    page = _next(browser, page, nothing, "certificaatbeheerder")
    page = _next(browser, page, manager, "certificaat")
    page = _next(browser, page, certificate, "controle")
    if cn not in page.text:
        raise StepFailed(f"step 4 does not show the CSR's CN {cn}")
    page = _next(browser, page, nothing, "voorwaarden")
    page = _next(browser, page, declarations, "afronding")
    placed = _next(browser, page, nothing, "placed")
    expect(placed, 302, "Plaats bestelling")
    match = re.search(r"/bestellingen/(S\d+)/geplaatst/$", placed.location)
    if match is None:
        raise StepFailed(f"placing the order went to {placed.location!r}")
    shown = browser.follow(placed)
    if match.group(1) not in shown.testid("order-reference"):
        raise StepFailed(f"'Bestelling geplaatst' does not show {match.group(1)}")
    return match.group(1)


def choose(form, name: str, text: str) -> None:  # noqa: ANN001 (lxml's FormElement)
    """Select the option or radio button of field ``name`` whose label contains ``text``."""
    labels: dict[str, str] = {}
    for element in form.xpath(".//*[@name=$name]", name=name):
        if element.tag == "select":
            for option in element.xpath(".//option"):
                labels[option.get("value", "")] = option.text_content()
        else:
            for label in form.xpath(".//label[@for=$id]", id=element.get("id", "")):
                labels[element.get("value", "")] = label.text_content()
    matches = [value for value, label in labels.items() if text in " ".join(label.split())]
    if len(matches) != 1:
        raise StepFailed(
            f"{name}: no single choice labelled {text!r} among {list(labels.values())}"
        )
    form.inputs[name].value = matches[0]


# -- the steps ---------------------------------------------------------------------------


def order_placed_and_confirmed(smoke: Smoke) -> str | None:
    """joost places a server-certificate order; the sealed PDF arrives by e-mail."""
    stack = smoke.stack
    smoke.common_name = f"smoke-{os.getpid()}.{DOMAIN}"
    smoke.order = place_server_order(smoke.browser("joost"), smoke.common_name)
    message = wait_until(
        lambda: mails_about(stack.mail, smoke.order),
        f"the confirmation e-mail of {smoke.order}",
        stack.worker_logs(),
    )[0]
    if message["To"] != "joost@voorbeeld.nl":
        raise StepFailed(f"the confirmation went to {message['To']}")
    pdfs = {name: data for name, data in attachments(message).items() if name.endswith(".pdf")}
    if list(pdfs) != [f"bestelformulier-{smoke.order}.pdf"]:
        raise StepFailed(f"attachments of the confirmation: {list(attachments(message))}")
    pdf = next(iter(pdfs.values()))
    if not pdf.startswith(b"%PDF"):
        raise StepFailed("the attached order form is not a PDF")
    return check_seal(stack, pdf)


def check_seal(stack: Stack, pdf: bytes) -> str | None:
    """pdfsig (poppler) on the sealed PDF, trusting the demo roots through an NSS db."""
    pdfsig, certutil = shutil.which("pdfsig"), shutil.which("certutil")
    if pdfsig is None or certutil is None:
        return "pdfsig/certutil not installed: seal not checked"
    work = stack.work / "pdfsig"
    work.mkdir(exist_ok=True)
    (work / "form.pdf").write_bytes(pdf)
    nss = work / "nss"
    if not nss.exists():
        nss.mkdir()
        run(certutil, "-N", "-d", f"sql:{nss}", "--empty-password")
        roots = x509.load_pem_x509_certificates((stack.pki / "roots.pem").read_bytes())
        for index, root in enumerate(roots):
            pem = work / f"root{index}.pem"
            pem.write_bytes(root.public_bytes(Encoding.PEM))
            run(
                certutil,
                "-A",
                "-d",
                f"sql:{nss}",
                "-n",
                f"root{index}",
                "-t",
                "C,C,C",
                "-i",
                str(pem),
            )
    output = run(pdfsig, "-nssdir", f"sql:{nss}", str(work / "form.pdf")).stdout
    if "Signature is Valid" not in output or "Certificate is Trusted" not in output:
        raise StepFailed(f"pdfsig does not accept the seal:\n{output}")
    return "pdfsig: seal valid and trusted"


def order_approved(smoke: Smoke) -> None:
    """validatie logs into /beheer/ with card and password and approves joost's order."""
    reference = smoke.need(smoke.order, "order")
    officer = smoke.browser(OFFICER)
    login = expect(officer.get("/beheer/login/?next=/beheer/"), 200, "the back-office login")
    form = login.form(containing=r"^password$")
    form.fields["username"] = OFFICER
    form.fields["password"] = OFFICER_PASSWORD
    answer = officer.submit(login, form)
    if answer.status != 302 or not answer.location.endswith("/beheer/"):
        raise StepFailed(f"the officer's login: {answer.status}, {answer.summary()}")
    queue = expect(officer.get(f"/beheer/orders/order/?q={reference}"), 200, "the order queue")
    found = re.findall(r'href="(/beheer/orders/order/(\d+)/change/[^"]*)"', queue.text)
    if not found:
        raise StepFailed(f"{reference} is not in the back office's order queue")
    detail = expect(officer.get(found[0][0].replace("&amp;", "&")), 200, "the order in /beheer/")
    if reference not in detail.text:
        raise StepFailed(f"the order page in /beheer/ does not show {reference}")
    approve = detail.form(action="/goedkeuren/")
    decided = officer.submit(detail, approve)
    expect(decided, 302, "Goedkeuren en uitgeven")
    after = officer.follow(decided)
    if "1 bestelling goedgekeurd" not in after.text:
        raise StepFailed(f"after approving: {after.summary()}")


def certificate_mailed(smoke: Smoke) -> None:
    """The certificate manager (victor, CC joost) is mailed the certificate and chain."""
    reference = smoke.need(smoke.order, "order")
    stack = smoke.stack
    message = wait_until(
        lambda: [m for m in mails_about(stack.mail, reference) if "uitgegeven" in m["Subject"]],
        f"the certificate e-mail of {reference}",
        stack.worker_logs(),
    )[0]
    if message["To"] != "victor@voorbeeld.nl" or "joost@voorbeeld.nl" not in str(message["Cc"]):
        raise StepFailed(f"the certificate went to {message['To']} (CC {message['Cc']})")
    files = attachments(message)
    pem = files.get(f"{smoke.common_name}.pem", b"")
    if not pem.startswith(b"-----BEGIN CERTIFICATE-----"):
        raise StepFailed(f"attachments of the certificate e-mail: {list(files)}")
    smoke.certificate = x509.load_pem_x509_certificate(pem)
    if smoke.common_name not in str(smoke.certificate.subject.rfc4514_string()):
        raise StepFailed(f"the mailed certificate is for {smoke.certificate.subject}")


def chain_verifies(smoke: Smoke) -> None:
    """joost downloads the chain from the certificate's page; openssl verify accepts it."""
    certificate = smoke.need(smoke.certificate, "issued certificate")
    joost = smoke.browser("joost")
    order = expect(joost.get(f"/bestellingen/{smoke.order}/"), 200, "the order page")
    links = re.findall(
        r'href="/servercertificaten/(\d+)/"[^>]*data-testid="issued-certificate"', order.text
    )
    if not links:
        raise StepFailed("the order page does not link the issued certificate")
    smoke.certificate_pk = int(links[0])
    page = expect(joost.get(f"/servercertificaten/{smoke.certificate_pk}/"), 200, "the certificate")
    if smoke.common_name not in page.text:
        raise StepFailed("the certificate page does not show its CN")
    chain = expect(
        joost.get(f"/certificaten/{smoke.certificate_pk}/download/chain/"), 200, "the chain"
    ).body
    pems = x509.load_pem_x509_certificates(chain)
    if pems[0] != certificate:
        raise StepFailed("the chain does not start with the mailed certificate")
    smoke.chain = chain
    work = smoke.stack.work / "verify"
    work.mkdir(exist_ok=True)
    (work / "leaf.pem").write_bytes(pems[0].public_bytes(Encoding.PEM))
    (work / "chain.pem").write_bytes(chain)
    verified = run(
        "openssl",
        "verify",
        "-CAfile",
        str(smoke.stack.pki / "roots.pem"),
        "-untrusted",
        str(work / "chain.pem"),
        str(work / "leaf.pem"),
    )
    if verified.returncode != 0 or not verified.stdout.strip().endswith(": OK"):
        raise StepFailed(f"openssl verify: {verified.stdout}{verified.stderr}")


def crl_over_http(smoke: Smoke) -> str:
    """curl fetches the CRL over plain HTTP at the certificate's CRL distribution point."""
    stack = smoke.stack
    certificate = smoke.need(smoke.certificate, "issued certificate")
    points = certificate.extensions.get_extension_for_oid(
        ExtensionOID.CRL_DISTRIBUTION_POINTS
    ).value
    urls = [name.value for point in points for name in point.full_name or []]
    base = f"http://127.0.0.1:{stack.http_port}/crl/"
    if not urls or not urls[0].startswith(base):
        raise StepFailed(f"the certificate's CRL distribution points {urls} are not under {base}")
    curl = shutil.which("curl")
    if curl is None:
        raise StepFailed("curl is not installed")
    work = stack.work / "crl"
    work.mkdir(exist_ok=True)
    fetched = run(curl, "-sS", "--fail", "--max-time", "20", "-o", str(work / "ca.crl"), urls[0])
    if fetched.returncode != 0:
        raise StepFailed(f"curl {urls[0]}: {fetched.stderr.strip()}\n{tail(*stack.nginx_logs())}")
    issuer = x509.load_pem_x509_certificates(smoke.need(smoke.chain, "chain"))[1]
    (work / "issuer.pem").write_bytes(issuer.public_bytes(Encoding.PEM))
    data = (work / "ca.crl").read_bytes()
    form = "PEM" if data.startswith(b"-----BEGIN") else "DER"
    parsed = run(
        "openssl",
        "crl",
        "-inform",
        form,
        "-in",
        str(work / "ca.crl"),
        "-CAfile",
        str(work / "issuer.pem"),
        "-noout",
        "-issuer",
    )
    if parsed.returncode != 0 or "verify OK" not in parsed.stdout + parsed.stderr:
        raise StepFailed(f"openssl crl: {parsed.stdout}{parsed.stderr}")
    redirect = run(
        curl,
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{redirect_url}",
        f"http://127.0.0.1:{stack.http_port}/servercertificaten/",
    )
    code, _, target = redirect.stdout.partition(" ")
    if code != "301" or not target.startswith("https://"):
        raise StepFailed(
            f"plain HTTP outside /crl/ answered {redirect.stdout!r}, not a 301 to HTTPS"
        )
    return f"{urls[0]}, signature verified; other paths 301 to HTTPS"


def change_request_submitted(smoke: Smoke) -> None:
    """maximo submits a change of the organisation's name and address."""
    maximo = smoke.browser("maximo")
    page = expect(maximo.get("/organisatie/wijzigen/"), 200, "the change form")
    form = page.form(containing=r"-current_step$")
    form.inputs["type-sections"].value.add("organisation")
    page = expect(maximo.submit(page, form), 200, "Type wijziging")
    if _step_of(page) != "organisatie":
        raise StepFailed(f"the change form did not go to 'organisatie': {page.errors()}")
    form = page.form(containing=r"-current_step$")
    form.fields["organisatie-name"] = "Voorbeeld Holding B.V."
    page = expect(maximo.submit(page, form), 200, "Organisatie")
    if _step_of(page) != "indienen":
        raise StepFailed(f"the change form did not go to 'indienen': {page.errors()}")
    submitted = maximo.submit(page, page.form(containing=r"-current_step$"))
    expect(submitted, 302, "Indienen")
    match = re.search(r"/organisatie/wijzigen/([^/]+)/ingediend/$", submitted.location)
    if match is None:
        raise StepFailed(f"submitting went to {submitted.location!r}")
    reference = smoke.change_request = match.group(1)
    expect(maximo.follow(submitted), 200, "the submitted change request")
    message = wait_until(
        lambda: mails_about(smoke.stack.mail, reference),
        f"the confirmation e-mail of change request {reference}",
        smoke.stack.worker_logs(),
    )[0]
    if message["To"] != "maximo@voorbeeld.nl":
        raise StepFailed(f"the change request's confirmation went to {message['To']}")


def frank_sees_nothing(smoke: Smoke) -> None:
    """frank (Andere Organisatie B.V.) gets 404/403 for joost's order and certificate and
    maximo's change request, and his lists do not show them."""
    reference = smoke.need(smoke.order, "order")
    pk = smoke.need(smoke.certificate_pk, "certificate id")
    change = smoke.need(smoke.change_request, "change request")
    frank = smoke.browser("frank")
    home = expect(frank.get("/"), 200, "frank's home page")
    if "Frank" not in home.text:
        raise StepFailed("frank is not logged in")
    for path in (
        f"/bestellingen/{reference}/",
        f"/bestellingen/{reference}/bestelformulier.pdf",
        f"/servercertificaten/{pk}/",
        f"/certificaten/{pk}/download/chain/",
        f"/organisatie/wijzigen/{change}/ingediend/",
        f"/organisatie/wijzigen/{change}/wijzigingsformulier.pdf",
    ):
        expect(frank.get(path), (403, 404), f"frank's GET {path}")
    for path, table in (
        ("/servercertificaten/?status=all", "certificate-table"),
        (f"/servercertificaten/?status=all&q={smoke.common_name}", ""),
        ("/bestellingen/", "order-table"),
    ):
        page = expect(frank.get(path), 200, f"frank's {path}")
        rows = " ".join(page.testid("certificate-table") + page.testid("order-table"))
        if table and not page.testid(table):
            raise StepFailed(f"frank's {path} has no {table}")
        links = (f"/servercertificaten/{pk}/", f"/bestellingen/{reference}/")
        if smoke.common_name in rows or reference in rows or any(a in page.text for a in links):
            raise StepFailed(f"frank's {path} shows joost's order or certificate")


def forged_header_refused(smoke: Smoke) -> str:
    """joost's certificate in X-SSL-Client-Cert (+ Verify: SUCCESS) straight to gunicorn:
    a page is not served (no forwarded header counts, so not even HTTPS), and on a path
    served over plain HTTP the portal logs that it ignored the headers."""
    stack = smoke.stack
    pem = quote((stack.pki / "clients" / "joost.crt").read_text(), safe="")
    forged = {
        "Host": "localhost",
        "X-Forwarded-Proto": "https",
        "X-SSL-Client-Cert": pem,
        "X-SSL-Client-Verify": "SUCCESS",
    }

    def straight_to_gunicorn(path: str) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", stack.gunicorn_port, timeout=15)
        try:
            connection.request("GET", path, headers=forged)
            response = connection.getresponse()
            body = response.read().decode(errors="replace")
            return response.status, body, str(response.headers)
        finally:
            connection.close()

    page, body, headers = straight_to_gunicorn("/servercertificaten/")
    if page == 200 or "Joost" in body or "sessionid=" in headers:
        raise StepFailed(f"gunicorn answered {page} to forged headers: {body[:300]}")
    if page not in (301, 302, 403):
        raise StepFailed(f"gunicorn answered {page} to forged headers")
    marker = f"/crl/smoke-forged-{os.getpid()}.crl"
    straight_to_gunicorn(marker)
    log = stack.logs / "gunicorn.log"
    wait_until(
        lambda: any(
            "Client-certificate headers ignored" in line and marker in line
            for line in read_log(log).splitlines()
        ),
        "the portal to log the forged headers it ignored",
        [log],
        timeout=10,
    )
    return f"{page} for a page; the headers logged as ignored"


def worker_killed_mid_documents(smoke: Smoke) -> str:
    """A second order; the worker gets SIGKILL while it makes the documents (held at the
    INSERT by a table lock); after a restart the order completes exactly once."""
    stack = smoke.stack
    joost = smoke.browser("joost")
    cn = f"smoke-{os.getpid()}-kill.{DOMAIN}"
    # The documents task renders and seals, then waits for this lock to store them.
    lock = psycopg.connect(stack.database_url)
    try:
        lock.execute("LOCK TABLE orders_orderdocuments IN EXCLUSIVE MODE")
        reference = place_server_order(joost, cn)
        waiting = wait_until(
            lambda: _waiting_on_lock(stack.database_url),
            "the documents task to wait for the lock",
            stack.worker_logs(),
        )
        stack.kill_worker()
    finally:
        lock.close()
    if mails_about(stack.mail, reference):
        raise StepFailed("the confirmation was sent although the worker was killed")
    order_page = expect(joost.get(f"/bestellingen/{reference}/"), 200, "the order page")
    if not order_page.testid("documents-pending"):
        raise StepFailed("the order page shows documents the killed worker never stored")
    began = time.monotonic()
    stack.start_worker()
    wait_until(
        lambda: mails_about(stack.mail, reference),
        f"the confirmation e-mail of {reference} after the restart",
        stack.worker_logs(),
    )
    recovered = time.monotonic() - began
    settle(stack)  # what the sweeper and Redis hand out again must not mail twice
    sent = mails_about(stack.mail, reference)
    if len(sent) != 1:
        raise StepFailed(f"{len(sent)} confirmation e-mails for {reference}, not 1")
    page = expect(joost.get(f"/bestellingen/{reference}/"), 200, "the order page")
    if page.testid("documents-pending") or len(page.testid("download-pdf")) != 1:
        raise StepFailed("the order page does not show its documents once")
    pdf = expect(joost.get(f"/bestellingen/{reference}/bestelformulier.pdf"), 200, "the PDF")
    mailed = [d for n, d in attachments(sent[0]).items() if n.endswith(".pdf")]
    if mailed != [pdf.body]:
        raise StepFailed("the order page's PDF is not the one mailed")
    return f"{waiting} backend waited; mailed {recovered:.1f} s after the restart"


def settle(stack: Stack) -> None:
    """Until Redis holds no task and no outbox delivery has been logged for two sweep
    intervals: a duplicate delivery would have run (and mailed) by then."""
    broker = redis.Redis.from_url(stack.redis_url)
    quiet_for = 2 * SWEEP_INTERVAL_SECONDS
    last, quiet_since = -1, time.monotonic()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        deliveries = sum(
            log.read_text(errors="replace").count("outbox_deliver[") for log in stack.worker_logs()
        )
        if deliveries != last or broker.llen("celery"):
            last, quiet_since = deliveries, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_for:
            return
        time.sleep(0.2)
    raise StepFailed(f"the worker did not settle within {WAIT:.0f} s\n{tail(*stack.worker_logs())}")


def _waiting_on_lock(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO %orders_orderdocuments%'"
        ).fetchone()
    return row[0] if row else 0


STEPS: list[tuple[str, Callable[[Smoke], str | None]]] = [
    ("joost orders a server certificate; the sealed PDF is mailed", order_placed_and_confirmed),
    ("validatie approves it in /beheer/ with card and password", order_approved),
    ("the certificate manager is mailed the certificate", certificate_mailed),
    ("joost downloads the chain; openssl verify accepts it", chain_verifies),
    ("curl fetches the CRL over plain HTTP", crl_over_http),
    ("maximo submits a change request", change_request_submitted),
    ("frank sees none of it", frank_sees_nothing),
    ("a forged X-SSL-Client-Cert straight to gunicorn is refused", forged_header_refused),
    (
        "the worker is SIGKILLed mid-documents; the order completes once",
        worker_killed_mid_documents,
    ),
]
