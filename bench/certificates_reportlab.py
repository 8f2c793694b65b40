"""The same certificates as `muster bench certificates`, made with Python's
reportlab: A4 landscape, bilingual text, a CJK TrueType font subset
(WenQuanYi Micro Hei: reportlab embeds TrueType outlines only, not the CFF
of Noto CJK), Latin in DejaVu Serif/Sans, and reportlab's own QR widget
holding a 157-character code. Prints {"count", "seconds", "bytes"}.

    python3 bench/certificates_reportlab.py 500 out.pdf
"""
import json
import random
import sys
import time

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONTS = {
    "cjk": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    "serif": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", None),
    "serif-bold": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", None),
    "mono": ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", None),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["素梅", "建国", "秀英", "志强", "桂兰", "海燕", "俊杰", "丽娟", "文华", "春生", "玉珍", "德明", "晓东", "红霞", "振华", "美玲"]
B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    out = sys.argv[2] if len(sys.argv) > 2 else "reportlab.pdf"
    rnd = random.Random(7)
    t0 = time.perf_counter()
    for name, (path, index) in FONTS.items():
        if index is None:
            pdfmetrics.registerFont(TTFont(name, path))
        else:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    w, h = landscape(A4)
    c = canvas.Canvas(out, pagesize=(w, h))
    c.setTitle("Certificates")
    for i in range(n):
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
        code = "".join(rnd.choice(B32) for _ in range(157))
        hours = (200 + rnd.randrange(41)) / 10
        c.setStrokeColorRGB(0.12, 0.23, 0.37)
        c.setLineWidth(2.4)
        c.rect(9 * mm, 9 * mm, w - 18 * mm, h - 18 * mm)
        c.setStrokeColorRGB(0.66, 0.52, 0.23)
        c.setLineWidth(0.7)
        c.rect(12.5 * mm, 12.5 * mm, w - 25 * mm, h - 25 * mm)
        c.setFillColorRGB(0.12, 0.23, 0.37)
        c.setFont("cjk", 38)
        c.drawCentredString(w / 2, h - 52 * mm, "结 业 证 书")
        c.setFont("serif", 12.5)
        c.drawCentredString(w / 2, h - 61.5 * mm, "CERTIFICATE OF COMPLETION")
        c.setFillColorRGB(0.4, 0.4, 0.4)
        c.setFont("cjk", 10)
        c.drawCentredString(w / 2, h - 77 * mm, "兹证明 · This is to certify that")
        c.setFillColorRGB(0.13, 0.13, 0.13)
        c.setFont("cjk", 30)
        c.drawCentredString(w / 2, h - 93 * mm, name)
        c.setFont("serif", 14)
        c.drawCentredString(w / 2, h - 101.5 * mm, "WANG Sumei")
        c.setFont("cjk", 11.5)
        c.drawCentredString(w / 2, h - 115 * mm,
                            f"于2025年3月10日至12日在河南省信阳市光山县参加「农村电商运营实务」培训，完成学习{hours}学时，成绩合格，特发此证。")
        c.setFont("serif", 11)
        c.drawCentredString(w / 2, h - 122 * mm,
                            f"has completed the training “Rural E-commerce Operations” held in Guangshan County, Henan, 10–12 March 2025, with {hours} hours of attendance.")
        c.setFont("cjk", 9)
        c.drawCentredString(w / 2, h - 132 * mm, "主办单位 Organised by: 光山县人力资源和社会保障局 · Muster Training Partners")
        for k, (signer, title) in enumerate([("陈立华", "培训中心主任 Director, Training Centre"), ("Sophie Martin", "项目负责人 Programme Lead")]):
            x = (26 + k * 68) * mm
            c.line(x, h - 178 * mm, x + 58 * mm, h - 178 * mm)
            c.setFont("cjk", 9.5)
            c.drawCentredString(x + 29 * mm, h - 182.8 * mm, signer)
            c.setFont("cjk", 7.5)
            c.drawCentredString(x + 29 * mm, h - 186.8 * mm, title)
        qr = QrCodeWidget(code, barLevel="M")
        x0, y0, x1, y1 = qr.getBounds()
        side = 30 * mm
        d = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        d.add(qr)
        renderPDF.draw(d, c, w - 17 * mm - side, h - 187 * mm)
        c.setFont("mono", 5.6)
        c.drawCentredString(w / 2, 17.2 * mm, " ".join(code[j:j + 5] for j in range(0, len(code), 5)))
        c.showPage()
    c.save()
    seconds = time.perf_counter() - t0
    import os
    print(json.dumps({"count": n, "seconds": round(seconds, 3), "bytes": os.path.getsize(out)}))


if __name__ == "__main__":
    main()
