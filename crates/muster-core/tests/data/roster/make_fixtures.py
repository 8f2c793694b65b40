#!/usr/bin/env python3
"""Writes the roster fixtures read by crates/muster-core/tests/import.rs.

Each fixture imitates a real-world file an organiser might bring: Chinese
Excel's "CSV (逗号分隔)" in GB18030 with CRLF, a BOM'd UTF-8 CSV, a European
semicolon CSV, Excel's "Unicode Text" (UTF-16LE, tabs), an openpyxl XLSX with
numbers and dates, an xlwt legacy .xls, and broken inputs.

The generated files are committed, so the Rust tests need no Python. To
regenerate: pip install openpyxl xlwt && python3 make_fixtures.py
"""

import datetime
import io
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def idn(first17):
    """A valid 18-character mainland ID (GB 11643-1999 check character)."""
    assert len(first17) == 17 and first17.isdigit()
    return first17 + CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def bad_check(first17):
    """first17 plus a wrong check character."""
    good = idn(first17)[-1]
    return first17 + ("1" if good != "1" else "2")


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def csv_text(rows, sep=",", eol="\n"):
    return eol.join(sep.join(r) for r in rows) + eol


ID_WANG = idn("52010219850612002")
ID_LI = idn("53010219790307151")
ID_OUYANG = idn("44030419900307124")
ID_SHAN = idn("11010519880808331")
ID_CHEN = idn("11010519491231002")  # ends in X
HALF = str.maketrans("0123456789+-()X", "０１２３４５６７８９＋－（）Ｘ")


def main():
    # Plain UTF-8, LF, every field; Azerbaijani and Khmer names.
    write("utf8.csv", csv_text([
        ["姓名", "性别", "手机号码", "身份证号码", "年龄", "出生日期", "工作单位", "职业"],
        ["王素梅", "女", "13812345678", ID_WANG, "39", "1985-06-12", "龙场村", "种植户"],
        ["李建国", "男", "13987654321", ID_LI, "45岁", "1979/3/7", "新寨村", "养殖户"],
        ["Aysel Məmmədova", "female", "13700001111", "C01234567", "30", "1994.05.20", "Şəki Co-op", "teacher"],
        ["Şəhla Çələbiyeva", "F", "+86 137 0000 2222", "", "", "", "Bakı", ""],
        ["សុខ ដារ៉ា", "M", "15012345678", "N1234567", "28", "", "Phnom Penh Farm", "farmer"],
    ]).encode("utf-8"))

    # UTF-8 with BOM and CRLF, as Excel's "CSV UTF-8" writes it.
    write("utf8_bom.csv", b"\xef\xbb\xbf" + csv_text([
        ["姓名", "手机", "性别"],
        ["张伟", "13800000001", "男"],
        ["刘洋", "1380000000", "男"],
        ["李娜", "13800000003", "女"],
    ], eol="\r\n").encode("utf-8"))

    # Chinese Excel's "CSV (逗号分隔)": GB18030, CRLF, a 序号 column;
    # 刘䶮's 䶮 (U+4DAE) exists in GB18030 but not in GBK.
    write("gb18030.csv", csv_text([
        ["序号", "姓名", "性别", "联系电话", "身份证号", "所在村"],
        ["1", "王素梅", "女", "13812345678", ID_WANG, "龙场村"],
        ["2", "欧阳娜娜", "女", "13912345678", ID_OUYANG, "新寨村"],
        ["3", "单雄信", "男", "13712345678", ID_SHAN, "上寨村"],
        ["4", "曾小贤", "男", "13612345678", bad_check("45010219950101002"), "下寨村"],
        ["5", "刘䶮", "男", "13512345678", "", "中寨村"],
    ], eol="\r\n").encode("gb18030"))

    # Traditional Chinese in Big5; a Taiwan ID number.
    write("big5.csv", csv_text([
        ["姓名", "性別", "手機號碼", "身分證字號"],
        ["陳美玲", "女", "13812340001", "A123456789"],
        ["歐陽娜娜", "女", "13812340002", ""],
        ["林志明", "男", "13812340003", ""],
    ], eol="\r\n").encode("big5"))

    # European Excel: semicolons, an unquoted comma inside a value.
    write("semicolon.csv", csv_text([
        ["Name", "Gender", "Mobile", "Age", "Village"],
        ["Chan Dara", "male", "13812345001", "33", "Kampong Cham, Cambodia"],
        ["Sok Lina", "female", "13812345002", "29", "Siem Reap"],
        ["Kim Sothea", "male", "13812345003", "abc", "Battambang"],
    ], sep=";").encode("utf-8"))

    write("tab.tsv", csv_text([
        ["姓名", "性别", "手机号", "单位"],
        ["赵敏", "女", "13800001001", "一组"],
        ["钱进", "男", "13800001002", "二组, 东头"],
        ["孙丽", "女", "13800001003", "三组"],
    ], sep="\t").encode("utf-8"))

    # Excel's "Unicode Text (*.txt)": UTF-16LE with BOM, tabs, CRLF.
    write("unicode_text.txt", "\ufeff".encode("utf-16-le") + csv_text([
        ["姓名", "手机号码", "身份证号码"],
        ["周杰", "13800002001", ID_CHEN],
        ["吴芳", "13800002002", ""],
    ], sep="\t", eol="\r\n").encode("utf-16-le"))

    # Quoted fields with commas, doubled quotes and newlines: later rows
    # must still report the line they start on.
    write("quoted_multiline.csv", (
        '姓名,手机,单位,备注\n'                     # line 1
        '王芳,13812345678,"新寨村, 二组","第一行\n'   # line 2
        '第二行"\n'                                  # line 3
        '"李四",13812345679,"a ""quoted"" org",\n'   # line 4
        ',13812345670,无名,缺姓名\n'                 # line 5: no name
        '张三,1381234567,"x",\n'                     # line 6: short mobile
        '"赵六","13812345671","多\n'                 # line 7
        '行\n'                                       # line 8
        '单位",ok\n'                                 # line 9
        '钱七,1234,y,z\n'                            # line 10: bad mobile
    ).encode("utf-8"))

    # Full-width digits and punctuation, +86/0086 prefixes, padded names.
    write("fullwidth.csv", csv_text([
        ["姓名", "手机号码", "身份证号码"],
        ["王　芳", "１３８１２３４５６７８", ID_WANG.translate(HALF)],
        ["陈小明", "+86 138-1234-5679", ID_CHEN.lower()],
        ["林　一", "0086-139-0000-1111", ID_LI[:6] + " " + ID_LI[6:14] + " " + ID_LI[14:]],
        ["黄大", "（１３９）００００－２２２２", ""],
    ]).encode("utf-8"))

    # English headers in odd case and spacing, shuffled.
    write("shuffled_english.csv", csv_text([
        [" MOBILE Phone ", "Date of Birth", "full  name", "Sex", "ID No.", "ORGANISATION", "Occupation"],
        ["13800003001", "1990-03-07", "Ma Li", "F", ID_OUYANG, "Coop A", "weaver"],
        ["13800003002", "19880808", "Hu Jun", "m", ID_SHAN, "Coop B", ""],
        ["13800003003", "", "Luo Bin", "Male", "", "", "driver"],
        ["13800003004", "", "Xu Yan", "unknown", "", "", ""],
    ]).encode("utf-8"))

    # Excel's trailing empty rows and columns.
    write("trailing_empty.csv", csv_text([
        ["姓名", "性别", "手机", "", "", ""],
        ["张伟", "男", "13800000001", "", "", ""],
        ["李娜", "女", "13800000002", "", "", ""],
        ["", "", "", "", "", ""],
        ["", "", "", "", "", ""],
        ["  ", " ", "", "", "", ""],
    ], eol="\r\n").encode("utf-8"))

    # One good row, then one failure each, then a row failing everywhere.
    write("bad_rows.csv", csv_text([
        ["姓名", "性别", "手机号码", "身份证号码", "出生日期", "年龄"],
        ["好人", "男", "13800000001", ID_SHAN, "1988-08-08", "36"],           # 2 ok
        ["坏手机", "男", "1380000000", ID_LI, "", ""],                         # 3 phone
        ["坏校验", "女", "13800000003", bad_check("44030419900307124"), "", ""],  # 4 id
        ["", "女", "13800000004", "", "", ""],                                # 5 name
        ["科学计数", "男", "13800000005", "1.10105E+17", "", ""],              # 6 id
        ["多错", "x", "12345", "123", "1990-02-29", "200"],                   # 7 all
    ]).encode("utf-8"))

    # A title row above the header, unknown columns kept as extras.
    write("unknown_columns.csv", csv_text([
        ["2024年XX县电商培训学员花名册", "", "", "", ""],
        ["序号", "姓名", "手机号码", "微信号", "备注"],
        ["1", "王素梅", "13812345678", "wsm88", "班长"],
        ["2", "欧阳娜娜", "13912345678", "", ""],
    ], eol="\r\n").encode("gb18030"))

    write("empty.csv", b"")
    write("blank_lines.csv", b"\r\n  \r\n,,,\r\n")
    write("header_only.csv", "姓名,手机号码\r\n".encode("utf-8"))
    write("no_name.csv", csv_text([
        ["序号", "手机", "单位"],
        ["1", "13812345678", "龙场村"],
    ]).encode("utf-8"))
    write("png_renamed.csv", bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    write("zip_not_xlsx.xlsx", buf.getvalue())

    write_xlsx()
    write_xls()


def write_xlsx():
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "说明"
    info["A1"] = "请在“学员名单”表中填写学员信息"
    info["A2"] = "手机号码请填写11位"
    ws = wb.create_sheet("学员名单")
    # Row 1 left empty: the range starts on row 2.
    ws.append([])
    ws.append(["姓名", "性别", "手机号码", "身份证号码", "出生日期", "年龄", "工作单位"])
    ws.append(["王素梅", "女", 13812345678, ID_WANG, datetime.date(1985, 6, 12), 39, "龙场村"])
    ws.append(["欧阳娜娜", "女", 13912345678, ID_OUYANG, datetime.date(1990, 3, 7), 34.0, "新寨村"])
    # Typed as a number: Excel keeps 15 significant digits.
    ws.append(["单雄信", "男", 13712345678, float(ID_SHAN), datetime.date(1988, 8, 8), 36, "上寨村"])
    ws.append([])
    ws.append(["张三", "男", 12345, "", None, None, None])
    for row in range(3, 7):
        ws.cell(row=row, column=5).number_format = "yyyy-mm-dd"
    # Formatted but empty cells far out, as real workbooks have.
    ws["Z300"].font = Font(bold=True)
    wb.save(os.path.join(HERE, "excel.xlsx"))


def write_xls():
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    header = ["姓名", "性别", "手机", "身份证号", "出生日期", "村"]
    rows = [
        ["王素梅", "女", 13812345678, ID_WANG, datetime.date(1985, 6, 12), "龙场村"],
        ["单雄信", "男", 13712345678, ID_SHAN, datetime.date(1988, 8, 8), "上寨村"],
        ["曾小贤", "男", 13612345678, bad_check("45010219950101002"), datetime.date(1995, 1, 1), "下寨村"],
    ]
    for c, h in enumerate(header):
        ws.write(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if isinstance(v, datetime.date):
                ws.write(r, c, v, date_style)
            else:
                ws.write(r, c, v)
    wb.save(os.path.join(HERE, "legacy.xls"))


if __name__ == "__main__":
    main()
