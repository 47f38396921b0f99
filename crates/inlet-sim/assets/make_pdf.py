"""Writes small, valid one-page PDFs (an invoice, a claim form) with real (extractable) text.

Hand-written PDF objects instead of a PDF library so the generator has no dependencies; the
cross-reference table offsets are computed, which is the part people usually get wrong.
"""
import sys

INVOICE = [
    (72, 760, 20, "F2", "Sweet Crumb Bakery"),
    (72, 738, 10, "F1", "12 Rua Augusta, 1100-053 Lisboa, Portugal  |  +351 21 000 0000"),
    (72, 690, 16, "F2", "INVOICE  No. 2026-1042"),
    (72, 668, 10, "F1", "Bill to: Maria Santos (+55 11 98888 1234)"),
    (72, 630, 11, "F4", "Item                                   Qty     Price"),
    (72, 610, 11, "F3", "Strawberry cream cake, 2 kg            1     32.00"),
    (72, 592, 11, "F3", "Pastel de nata                         6      9.00"),
    (72, 574, 11, "F3", "Decoration: 'Happy Birthday Leo'       1      3.50"),
    (72, 540, 11, "F4", "TOTAL (EUR, VAT incl.)                       44.50"),
    (72, 500, 10, "F1", "Pick-up: Saturday 10:00. Nut-free kitchen request noted."),
    (72, 480, 10, "F1", "Thank you for your order!"),
]

CLAIM = [
    (72, 760, 18, "F2", "Siam Assure Co., Ltd. - Bicycle Claim Form"),
    (72, 738, 10, "F1", "Claim No. SA-2026-077311   Policy: BK-4471902"),
    (72, 700, 12, "F2", "Section 1 - Insured"),
    (72, 682, 10, "F1", "Name: Nattapong Srisuk   Phone: +66 86 555 0199"),
    (72, 650, 12, "F2", "Section 2 - Incident"),
    (72, 632, 10, "F1", "Date: 2026-11-21 18:40   Place: Sukhumvit Rd Soi 24, Bangkok"),
    (72, 614, 10, "F1", "Description: slipped on wet road; front wheel and fork hit the kerb."),
    (72, 582, 12, "F2", "Section 3 - Repair estimate (to be completed by the workshop)"),
    (72, 562, 10, "F3", "Part / labour                          Cost (THB)"),
    (72, 544, 10, "F3", "______________________________         __________"),
    (72, 526, 10, "F3", "______________________________         __________"),
    (72, 508, 10, "F3", "Workshop stamp and signature: ____________________"),
]


def content_stream(lines) -> bytes:
    parts = []
    for x, y, size, font, text in lines:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        parts.append(f"BT /{font} {size} Tf {x} {y} Td ({escaped}) Tj ET")
    parts.append("0.8 0.2 0.3 RG 2 w 72 720 m 540 720 l S")
    return "\n".join(parts).encode("latin-1")


def build(lines, title) -> bytes:
    stream = content_stream(lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R /F3 7 0 R /F4 8 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (" + title.encode() + b") /Producer (inlet-sim assets) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


DOCUMENTS = {
    "invoice": (INVOICE, "Invoice 2026-1042"),
    "claim": (CLAIM, "Bicycle claim form SA-2026-077311"),
}

if __name__ == "__main__":
    lines, title = DOCUMENTS[sys.argv[1]]
    with open(sys.argv[2], "wb") as f:
        f.write(build(lines, title))
