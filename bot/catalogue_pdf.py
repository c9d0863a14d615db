"""The printed catalogue: an A4 PDF (fpdf2) with a cover and one card per product — photo,
price, minimum order, capacity, certificates, and a QR code (segno) that opens the product in
the bot. fpdf2 is pure Python, maintained, embeds and subsets TrueType fonts (so Indonesian
text and the rupiah sign print as written); segno is pure Python, has no dependencies and
draws the QR code as vectors.

The font is DejaVu Sans from matplotlib's own data (already a dependency), embedded subset.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF

from bot.i18n import Translator
from bot.messages import catalogue as render

COLUMNS, ROWS = 2, 3
MARGIN = 12.0


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _qr_png(url: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=6, border=2)
    out.seek(0)
    return out


def render_catalogue(t: Translator, data, bot_username: str, *, dinas: str) -> bytes:
    """The catalogue's PDF bytes (data: bot.services.catalogue.CatalogueData)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(t.gettext("Katalog produk klaster"))
    # Cover
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 28)
    pdf.set_y(70)
    pdf.multi_cell(0, 14, t.gettext("Katalog produk klaster"), align="C")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 16)
    pdf.multi_cell(0, 9, "\n".join(data.title_clusters), align="C")
    pdf.ln(10)
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(0, 8, dinas, align="C")
    pdf.ln(4)
    pdf.multi_cell(0, 7, t.gettext("Pindai kode QR pada setiap produk untuk bertanya atau memesan lewat Telegram."), align="C")
    # Cards
    width = (pdf.w - 2 * MARGIN) / COLUMNS
    height = (pdf.h - 2 * MARGIN) / ROWS
    for index, view in enumerate(data.products):
        slot = index % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
        x = MARGIN + (slot % COLUMNS) * width
        y = MARGIN + (slot // COLUMNS) * height
        pdf.set_draw_color(190, 190, 190)
        pdf.rect(x + 1, y + 1, width - 2, height - 2)
        image = data.images.get(view.id)
        photo_h = height * 0.38
        if image:
            pdf.image(io.BytesIO(image), x=x + 4, y=y + 4, h=photo_h, keep_aspect_ratio=True, w=width - 8)
        qr = 27.0
        pdf.image(_qr_png(render.deep_link(bot_username, view.id)), x=x + width - qr - 4, y=y + height - qr - 4, w=qr, h=qr)
        pdf.set_xy(x + 4, y + 6 + photo_h)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width - 8, 5.5, view.name + (f" ({view.kind})" if view.kind else ""), align="L")
        pdf.set_font("DejaVu", "", 8)
        lines = render.card_lines(t, view)[1:]
        pdf.set_x(x + 4)
        # Left-aligned: justified short lines leave gaps; the QR code keeps its corner.
        pdf.multi_cell(width - qr - 9, 4.0, "\n".join(lines), align="L")
    return bytes(pdf.output())
