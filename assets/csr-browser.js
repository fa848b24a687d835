// CSR in the browser (the Digidentity instruction's second method).
//
// A key pair is generated with WebCrypto, the PKCS#10 request is built and
// signed with PKI.js, and the private key is offered as a file download (a
// Blob URL). The private key never leaves the browser: this module makes no
// network requests and writes the key into no form field. Bundled by esbuild
// (`npm run build`, run by `make install`) into var/build/js/csr-browser.js.
//
// Every user-visible text comes from data-msg-* attributes on the widget,
// translated by Django (templates/certificates/includes/csr_browser_generator.html).

import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

const OID = {
  countryName: "2.5.4.6",
  organizationName: "2.5.4.10",
  organizationIdentifier: "2.5.4.97",
  serialNumber: "2.5.4.5",
  commonName: "2.5.4.3",
  extensionRequest: "1.2.840.113549.1.9.14",
  subjectAltName: "2.5.29.17",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacWithSHA256: "1.2.840.113549.2.9",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
};

export const KEY_TYPES = {
  "rsa-2048": {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  },
  "rsa-3072": {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 3072,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  },
  "ecdsa-p256": { name: "ECDSA", namedCurve: "P-256" },
};

// OWASP's 2023 advice for PBKDF2-HMAC-SHA256.
const PBKDF2_ITERATIONS = 600000;
const MAX_HOST_NAMES = 10;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
export const STORAGE_KEY = "portal.csr";

export function isHostName(name) {
  if (!name || name.length > 253) return false;
  const labels = name.split(".");
  return (
    labels.length >= 2 &&
    labels.every((label) => HOST_LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1])
  );
}

export function parseHostNames(text) {
  return text
    .split(/[\s,;]+/)
    .map((name) => name.trim().replace(/\.$/, "").toLowerCase())
    .filter(Boolean);
}

// The same rule as certificates/csr_assistant.py base_name().
export function baseName(hostNames) {
  const safe = (hostNames[0] || "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._-]+|[._-]+$/g, "");
  return safe.slice(0, 100) || "csr";
}

export function toPem(label, der) {
  const bytes = new Uint8Array(der);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
  const lines = btoa(binary).match(/.{1,64}/g) || [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function attribute(type, value) {
  return new pkijs.AttributeTypeAndValue({ type, value });
}

// C, O, organizationIdentifier, serialNumber, CN, each in its own RDN: the
// order of the seed's config, and the string types OpenSSL uses with
// string_mask = utf8only. (PKI.js would put a list of attributes into one
// multi-valued RDN, "C=NL + O=…", hence the Name is encoded here.)
function subjectName({ country, organization, oin, commonName }) {
  const attributes = [
    attribute(OID.countryName, new asn1js.PrintableString({ value: country })),
    attribute(OID.organizationName, new asn1js.Utf8String({ value: organization })),
    attribute(OID.organizationIdentifier, new asn1js.Utf8String({ value: oin })),
    attribute(OID.serialNumber, new asn1js.PrintableString({ value: oin })),
    attribute(OID.commonName, new asn1js.Utf8String({ value: commonName })),
  ];
  const name = new asn1js.Sequence({
    value: attributes.map((item) => new asn1js.Set({ value: [item.toSchema()] })),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(name.toBER(false));
}

function extensionRequest(hostNames) {
  const altNames = new pkijs.GeneralNames({
    names: hostNames.map((name) => new pkijs.GeneralName({ type: 2, value: name })),
  });
  const extensions = new pkijs.Extensions({
    extensions: [
      new pkijs.Extension({
        extnID: OID.subjectAltName,
        critical: false,
        extnValue: altNames.toSchema().toBER(false),
      }),
    ],
  });
  return new pkijs.Attribute({ type: OID.extensionRequest, values: [extensions.toSchema()] });
}

/**
 * Generate a key pair and a signed PKCS#10 request (SHA-256).
 * Returns { csrPem, privateKeyPkcs8 (ArrayBuffer) }.
 */
export async function generateCsr({ keyType, country, organization, oin, hostNames }) {
  const algorithm = KEY_TYPES[keyType];
  if (!algorithm) throw new Error(`unknown key type ${keyType}`);
  const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);

  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  csr.subject = subjectName({ country, organization, oin, commonName: hostNames[0] });
  csr.attributes = [extensionRequest(hostNames)];
  await csr.subjectPublicKeyInfo.importKey(keys.publicKey);
  await csr.sign(keys.privateKey, "SHA-256");

  return {
    csrPem: toPem("CERTIFICATE REQUEST", csr.toSchema().toBER(false)),
    privateKeyPkcs8: await crypto.subtle.exportKey("pkcs8", keys.privateKey),
  };
}

/**
 * PKCS#8 EncryptedPrivateKeyInfo (RFC 5958) with PBES2 (RFC 8018):
 * PBKDF2-HMAC-SHA256 and AES-256-CBC, DER encoded as OpenSSL writes it.
 * (PKI.js's own PKCS8ShroudedKeyBag splits the ciphertext into a constructed
 * OCTET STRING, which is BER and refused by strict DER parsers.)
 */
export async function encryptPrivateKey(pkcs8, password, iterations = PBKDF2_ITERATIONS) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const passwordKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  const aesKey = await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    passwordKey,
    { name: "AES-CBC", length: 256 },
    false,
    ["encrypt"],
  );
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-CBC", iv }, aesKey, pkcs8);

  const pbkdf2Params = new asn1js.Sequence({
    value: [
      new asn1js.OctetString({ valueHex: salt }),
      new asn1js.Integer({ value: iterations }),
      new asn1js.Sequence({
        value: [new asn1js.ObjectIdentifier({ value: OID.hmacWithSHA256 }), new asn1js.Null()],
      }),
    ],
  });
  const encryptedPrivateKeyInfo = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID.pbes2 }),
          new asn1js.Sequence({
            value: [
              new asn1js.Sequence({
                value: [new asn1js.ObjectIdentifier({ value: OID.pbkdf2 }), pbkdf2Params],
              }),
              new asn1js.Sequence({
                value: [
                  new asn1js.ObjectIdentifier({ value: OID.aes256Cbc }),
                  new asn1js.OctetString({ valueHex: iv }),
                ],
              }),
            ],
          }),
        ],
      }),
      new asn1js.OctetString({ valueHex: ciphertext }),
    ],
  });
  return encryptedPrivateKeyInfo.toBER(false);
}

// --- The widget -----------------------------------------------------------

function message(widget, name, values = {}) {
  const text = widget.dataset[name] || "";
  return text.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
}

function hostNameProblem(widget, names) {
  if (names.length === 0) return message(widget, "msgHostsRequired");
  if (names.length > MAX_HOST_NAMES) return message(widget, "msgTooManyHosts");
  const invalid = names.find((name) => !isHostName(name));
  if (invalid) return message(widget, "msgInvalidHost", { host: invalid });
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) return message(widget, "msgDuplicateHost", { host: duplicate });
  return "";
}

function setStatus(widget, text, kind) {
  const status = widget.querySelector("[data-csr-status]");
  status.textContent = text;
  status.classList.remove("alert-info", "alert-danger", "alert-success");
  status.classList.add(`alert-${kind}`);
  status.hidden = !text;
}

function setDownload(link, text, type, filename) {
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = filename;
}

function fillCsrTargets(csrPem) {
  document.querySelectorAll("textarea[data-csr-target]").forEach((target) => {
    target.value = csrPem;
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

function storeCsr(csrPem) {
  try {
    sessionStorage.setItem(STORAGE_KEY, csrPem);
  } catch {
    // Storage may be off (private mode, policy); the CSR is on the page anyway.
  }
}

async function onGenerate(widget) {
  const button = widget.querySelector("[data-csr-generate]");
  const hostsInput = widget.querySelector("[data-csr-hosts]");
  const password = widget.querySelector("[data-csr-password]").value;
  const repeat = widget.querySelector("[data-csr-password-repeat]").value;
  const names = parseHostNames(hostsInput.value);

  const problem = hostNameProblem(widget, names);
  if (problem) {
    setStatus(widget, problem, "danger");
    hostsInput.focus();
    return;
  }
  if (password !== repeat) {
    setStatus(widget, message(widget, "msgPasswordMismatch"), "danger");
    return;
  }

  button.disabled = true;
  widget.setAttribute("aria-busy", "true");
  setStatus(widget, message(widget, "msgGenerating"), "info");
  try {
    const keyType = widget.querySelector("[data-csr-key-type]").value;
    const { csrPem, privateKeyPkcs8 } = await generateCsr({
      keyType,
      country: widget.dataset.country,
      organization: widget.dataset.organization,
      oin: widget.dataset.oin,
      hostNames: names,
    });
    const keyPem = password
      ? toPem("ENCRYPTED PRIVATE KEY", await encryptPrivateKey(privateKeyPkcs8, password))
      : toPem("PRIVATE KEY", privateKeyPkcs8);
    const base = baseName(names);

    setDownload(
      widget.querySelector("[data-csr-key-download]"),
      keyPem,
      "application/x-pem-file",
      `${base}.key`,
    );
    setDownload(
      widget.querySelector("[data-csr-download]"),
      csrPem,
      "application/x-pem-file",
      `${base}.csr`,
    );
    widget.querySelector("[data-csr-output]").value = csrPem;
    widget.querySelector("[data-csr-result]").hidden = false;
    storeCsr(csrPem);
    fillCsrTargets(csrPem);
    setStatus(
      widget,
      message(widget, password ? "msgDoneEncrypted" : "msgDone", { file: `${base}.key` }),
      "success",
    );
  } catch (error) {
    setStatus(widget, `${message(widget, "msgFailed")} (${error && error.message})`, "danger");
  } finally {
    button.disabled = false;
    widget.removeAttribute("aria-busy");
  }
}

// On a page with the order form's CSR field: offer the CSR made earlier on
// the assistant page when that field is still empty.
function offerStoredCsr(widget) {
  let stored = null;
  try {
    stored = sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return;
  }
  const target = document.querySelector("textarea[data-csr-target]");
  if (!stored || !target || target.value.trim() || target.dataset.csrOffered) return;
  target.dataset.csrOffered = "1";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-outline-secondary btn-sm mt-2";
  button.dataset.csrUseStored = "";
  button.textContent = message(widget, "msgUseStored");
  button.addEventListener("click", () => {
    fillCsrTargets(stored);
    button.remove();
  });
  target.insertAdjacentElement("afterend", button);
}

// data-csr-ready says how far the widget got: "ready" or "unsupported".
function init(widget) {
  if (widget.dataset.csrReady) return;
  const button = widget.querySelector("[data-csr-generate]");
  if (!window.isSecureContext || !window.crypto || !window.crypto.subtle) {
    button.disabled = true;
    setStatus(widget, message(widget, "msgUnsupported"), "danger");
    widget.dataset.csrReady = "unsupported";
    return;
  }
  button.addEventListener("click", () => onGenerate(widget));
  widget.querySelectorAll("[data-csr-copy]").forEach((copy) => {
    copy.addEventListener("click", () => {
      const output = widget.querySelector("[data-csr-output]");
      output.select();
      navigator.clipboard?.writeText(output.value).catch(() => {});
    });
  });
  offerStoredCsr(widget);
  widget.dataset.csrReady = "ready";
}

if (typeof document !== "undefined") {
  const start = () => document.querySelectorAll("[data-csr-browser]").forEach(init);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}
