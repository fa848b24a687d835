"""manage.py import_key_blocklist: badkeys' blocklist files into the CSR check (rule 3)."""

from __future__ import annotations

import hashlib
import lzma
from io import StringIO
from pathlib import Path

import pytest
from badkeys.allkeys import block
from badkeys.checks import checkrsa
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import CommandError, call_command
from django.utils import translation

from certificates.csr import CsrExpectations, CsrRejected, csr_check
from certificates.models import BlocklistedKey, Product
from organisations.models import Subscriber
from tests.certificates.csr_factory import VOORBEELD_OIN, fresh_rsa_key, make_csr

pytestmark = pytest.mark.django_db

DEBIAN = 1  # badkeys' id of the Debian CVE-2008-0166 list

WEAK = (
    "Deze sleutel is een bekende zwakke of gelekte sleutel (badkeys-blocklist, bijvoorbeeld "
    "de Debian-sleutels van CVE-2008-0166); maak een nieuw sleutelpaar aan."
)


def badkeys_record(key: rsa.RSAPrivateKey, blocklist: int = DEBIAN) -> bytes:
    """One blocklist.dat record as badkeys writes it: 15 bytes of SHA-256 over the
    modulus, then the list id."""
    n = key.public_key().public_numbers().n
    return hashlib.sha256(n.to_bytes((n.bit_length() + 7) // 8, "big")).digest()[:15] + bytes(
        [blocklist]
    )


def write_blocklist(path: Path, *keys: rsa.RSAPrivateKey, others: int = 50) -> Path:
    records = [badkeys_record(key) for key in keys]
    records += [hashlib.sha256(str(i).encode()).digest()[:15] + b"\x02" for i in range(others)]
    path.write_bytes(b"".join(sorted(records)))
    return path


def run(*paths: Path) -> str:
    out = StringIO()
    call_command("import_key_blocklist", *map(str, paths), stdout=out)
    return out.getvalue()


def check(csr: bytes) -> None:
    expect = CsrExpectations.for_order(
        subscriber=Subscriber.objects.get(oin=VOORBEELD_OIN),
        product=Product.objects.get(code="pkio-private"),
    )
    with translation.override("nl"):
        csr_check(csr, expect=expect)


def test_the_test_file_is_what_badkeys_itself_finds(tmp_path, monkeypatch):  # noqa: ANN001
    key = fresh_rsa_key()
    data = write_blocklist(tmp_path / "blocklist.dat", key).read_bytes()
    monkeypatch.setattr(block, "_bldata", data)
    monkeypatch.setattr(block, "_blmeta", {DEBIAN: {"name": "debianssl"}})
    n = key.public_key().public_numbers().n
    assert checkrsa(n, checks=["blocklist"])["blocklist"]["subtest"] == "debianssl"
    assert not checkrsa(fresh_rsa_key().public_key().public_numbers().n, checks=["blocklist"])


def test_a_key_on_an_imported_blocklist_is_refused(tmp_path):  # noqa: ANN001
    weak = fresh_rsa_key()
    csr = make_csr(weak)
    check(csr)  # accepted before the import

    output = run(write_blocklist(tmp_path / "blocklist.dat", weak))

    assert "51 keys read, 51 new, 0 already known" in output
    with pytest.raises(CsrRejected) as rejected:
        check(csr)
    assert rejected.value.messages == [WEAK]
    check(make_csr(fresh_rsa_key()))


def test_importing_again_adds_nothing(tmp_path):  # noqa: ANN001
    path = write_blocklist(tmp_path / "blocklist.dat", fresh_rsa_key())
    run(path)
    assert "51 keys read, 0 new, 51 already known (51 in all)" in run(path)
    assert BlocklistedKey.objects.count() == 51


def test_the_published_xz_file_is_read_as_is(tmp_path):  # noqa: ANN001
    weak = fresh_rsa_key()
    plain = write_blocklist(tmp_path / "blocklist.dat", weak).read_bytes()
    (tmp_path / "blocklist.dat.xz").write_bytes(lzma.compress(plain))
    assert "51 new" in run(tmp_path / "blocklist.dat.xz")
    with pytest.raises(CsrRejected):
        check(make_csr(weak))


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "the file is empty"),
        (b"\x00" * 16 * 3 + b"\x01", "49 bytes is not a whole number of 16-byte records"),
        (b"\x02" * 16 + b"\x01" * 16, "record 2 is out of order"),
        (b"-----BEGIN PUBLIC KEY-----\n" * 2, "is not a whole number of 16-byte records"),
        (b"\xfd7zXZ\x00 damaged", "the xz data is damaged"),
    ],
    ids=["empty", "ragged", "unsorted", "pem", "bad-xz"],
)
def test_a_malformed_file_is_refused_and_imports_nothing(tmp_path, content, error):  # noqa: ANN001
    good = write_blocklist(tmp_path / "good.dat", fresh_rsa_key())
    bad = tmp_path / "bad.dat"
    bad.write_bytes(content)
    with pytest.raises(CommandError, match=error):
        run(good, bad)
    assert BlocklistedKey.objects.count() == 51  # the good file before it stays


def test_a_missing_file_is_a_clear_error(tmp_path):  # noqa: ANN001
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "nowhere.dat")
