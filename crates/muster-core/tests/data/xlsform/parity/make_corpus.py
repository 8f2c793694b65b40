#!/usr/bin/env python3
"""Writes the XLSForm parity corpus: one small workbook per type alias, select
spelling, group/repeat spelling, column-header alias and construct of
pyxform's tables (pyxform/aliases.py, question_type_dictionary.py,
xls2json.py, 4.x), and one per header or structure error pyxform refuses.

Run with openpyxl and xlwt installed (the parity venv has both):
    python make_corpus.py            # rewrites the .xlsx/.xls files here
Whether each file converts is not written here: pyxform itself decides, when
the parity test runs it beside Muster (tests/xlsform_parity.rs)."""

import datetime
import os
import re
import zipfile
import sys

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))

CHOICES = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]


STAMP = datetime.datetime(2026, 1, 1)


def fix_dates(path):
    """Rewrites the workbook's ZIP with fixed dates (openpyxl writes the
    time of saving), so writing the corpus again changes only what changed."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(fixed, data)


def book(name, survey, choices=CHOICES, settings=None, extra=None):
    wb = openpyxl.Workbook()
    # Fixed dates, so writing the corpus again changes only what changed.
    wb.properties.created = wb.properties.modified = STAMP
    ws = wb.active
    ws.title = "survey"
    for row in survey:
        ws.append(row)
    if choices is not None:
        c = wb.create_sheet("choices")
        for row in choices:
            c.append(row)
    if settings is not None:
        s = wb.create_sheet("settings")
        for row in settings:
            s.append(row)
    for sheet, rows in (extra or {}).items():
        s = wb.create_sheet(sheet)
        for row in rows:
            s.append(row)
    path = os.path.join(HERE, name + ".xlsx")
    wb.save(path)
    fix_dates(path)


def slug(s):
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


H = ["type", "name", "label"]
FIRST = ["text", "first", "First"]

# Every question type of pyxform's QUESTION_TYPE_DICT, and the aliases of
# aliases._type_alias_map, each in a form of its own.
QUESTION_TYPES = [
    "q picture", "photo", "add date time prompt", "add audio prompt", "q date time", "phonenumber", "get start time",
    "add note prompt", "calculate", "acknowledge", "location", "text", "simserial", "string",
    "q string", "imei", "integer", "datetime", "q note", "subscriber id", "decimal", "dateTime", "q audio", "q geopoint",
    "q geoshape", "q geotrace", "q image", "get today", "video", "q acknowledge", "add video prompt",
    "number of days in last month", "get sim id", "q location", "add image prompt", "get end time", "barcode", "q video",
    "geopoint", "geoshape", "geotrace", "end time", "device id", "subscriberid", "q barcode", "image", "q int",
    "add text prompt", "add date prompt", "q calculate", "start", "trigger", "add acknowledge prompt", "percentage",
    "get phone number", "today", "gps", "q date", "sim id", "add decimal prompt", "number of days in last six months",
    "deviceid", "int", "add barcode prompt", "q decimal", "end", "add calculate prompt", "add dateTime prompt", "note",
    "add location prompt", "get subscriber id", "phone number", "get device id", "add integer prompt", "q dateTime", "date",
    "start time", "number of days in last year", "date time", "time", "audio", "hidden", "uri:subscriberid",
    "uri:phonenumber", "uri:simserial", "uri:deviceid", "username", "uri:username", "email", "uri:email", "osm", "file",
    "add file prompt", "range", "audit", "start-geopoint", "background-audio",
    "add photo prompt",
]
CALCULATED = {"calculate", "q calculate", "add calculate prompt"}
for t in QUESTION_TYPES:
    header = H + (["calculation"] if t in CALCULATED else [])
    row = [t, "audit" if t == "audit" else "q", "Q"] + (["1 + 1"] if t in CALCULATED else [])
    book("type_" + slug(t), [header, FIRST[: len(H)] + ([""] if t in CALCULATED else []), row])
# The external instances are named by their file.
book("type_xml_external", [H, FIRST, ["xml-external", "towns", ""]])
book("type_csv_external", [H, FIRST, ["csv-external", "towns", ""]])
book("type_background_geopoint", [H + ["trigger"], FIRST + [""], ["background-geopoint", "where", "", "${first}"]])
book("type_calculate_without_calculation", [H, FIRST, ["calculate", "c", ""]])
book("type_unknown", [H, FIRST, ["selfie", "q", "Q"]])
book("type_uppercase_text", [H, FIRST, ["TEXT", "q", "Q"]])
book("type_uppercase_select", [H, FIRST, ["SELECT_ONE yn", "q", "Q"]])

# Every select spelling of aliases.select, with and without or_other.
SELECTS = [
    "add select one prompt using", "add select multiple prompt using", "select all that apply from", "select one from",
    "select1", "select_one", "select one", "select_multiple", "select all that apply", "select multiple from",
    "select one using", "select multiple using", "q select", "q select1",
]
for s in SELECTS:
    book("select_" + slug(s), [H, FIRST, [s + " yn", "q", "Q"]])
for other in ["or_other", "or specify other", "or other"]:
    book("select_one_" + slug(other), [H, FIRST, ["select_one yn " + other, "q", "Q"]])
book("select_rank", [H, FIRST, ["rank yn", "q", "Q"]])
book("select_osm_list", [H, FIRST, ["osm buildings", "q", "Q"]])
book("select_one_from_file", [H, FIRST, ["select_one_from_file towns.csv", "q", "Q"]])
book("select_multiple_from_file", [H, FIRST, ["select_multiple_from_file towns.xml", "q", "Q"]])
book("select_one_from_file_spaced", [H, FIRST, ["select one from file towns.csv", "q", "Q"]])
book("select_one_external", [H + ["choice_filter"], FIRST + [""], ["select_one_external yn", "q", "Q", "name = 'yes'"]],
     extra={"external_choices": CHOICES})
book("select_missing_list", [H, FIRST, ["select_one nolist", "q", "Q"]])
book("select_no_choices_sheet", [H, FIRST, ["select_one yn", "q", "Q"]], choices=None)
book("select_multiple_spaced_choice", [H, FIRST, ["select_multiple sp", "q", "Q"]],
     choices=[["list_name", "name", "label"], ["sp", "a b", "A B"], ["sp", "c", "C"]])
book("select_or_other_with_filter", [H + ["choice_filter"], FIRST + [""], ["select_one yn or_other", "q", "Q", "name = 'yes'"]])

# Every group and repeat spelling of aliases.control, begin and end alike.
for begin, end in [("begin group", "end group"), ("begin_group", "end_group"), ("begin repeat", "end repeat"),
                   ("begin_repeat", "end_repeat"), ("begin lgroup", "end lgroup"), ("begin looped group", "end looped group"),
                   ("begin_lgroup", "end_lgroup"), ("begin repeat", "end_repeat"), ("begin group", "end_group")]:
    book("control_" + slug(begin) + "__" + slug(end), [H, FIRST, [begin, "g", "G"], ["text", "inside", "Inside"], [end, "", ""]])
book("control_lgroup_closed_by_repeat", [H, FIRST, ["begin lgroup", "g", "G"], ["text", "inside", "Inside"], ["end repeat", "", ""]])
book("control_group_with_list_word", [H, FIRST, ["begin group yn", "g", "G"], ["text", "inside", "Inside"], ["end group", "", ""]])
# begin loop over LIST … end loop.
book("loop_over", [H, FIRST, ["begin loop over yn", "l", "L"], ["integer", "times", "How often?"], ["end loop", "", ""]])
book("loop_without_over", [H, FIRST, ["begin loop yn", "l", "L"], ["integer", "times", "Times"], ["end loop", "", ""]])
book("loop_underscored", [H, FIRST, ["begin_loop over yn", "l", "L"], ["integer", "times", "Times"], ["end_loop", "", ""]])
book("loop_without_list", [H, FIRST, ["begin loop", "l", "L"], ["integer", "times", "Times"], ["end loop", "", ""]])
book("loop_unknown_list", [H, FIRST, ["begin loop over nolist", "l", "L"], ["integer", "times", "Times"], ["end loop", "", ""]])
book("loop_closed_by_repeat", [H, FIRST, ["begin loop over yn", "l", "L"], ["integer", "times", "Times"], ["end repeat", "", ""]])
book("repeat_closed_by_loop", [H, FIRST, ["begin repeat", "r", "R"], ["integer", "times", "Times"], ["end loop", "", ""]])

# Notes without a name are named by pyxform; nothing else may go unnamed.
book("note_unnamed", [H, ["note", "", "Read this first"], FIRST, ["note", "", "And this"]])
book("note_unnamed_q_note", [H, ["q note", "", "Read this first"], FIRST])
book("unnamed_question", [H, FIRST, ["text", "", "No name"]])
book("unnamed_group", [H, FIRST, ["begin group", "", "G"], ["text", "inside", "Inside"], ["end group", "", ""]])
book("no_type_with_name", [H, FIRST, ["", "orphan", ""]])
book("no_type_with_label", [H, FIRST, ["", "", "A label alone"]])
book("no_type_hint_only", [H + ["hint"], FIRST + [""], ["", "", "", "a comment row"]])

# Column-header aliases (aliases.survey_header, list_header, settings_header).
book("header_caption", [["type", "name", "caption"], FIRST])
book("header_command_tag", [["command", "tag", "label"], FIRST])
book("header_value_for_name", [["type", "value", "label"], FIRST])
book("header_relevance", [H + ["relevance"], FIRST + [""], ["text", "second", "Second", "${first} != ''"]])
book("header_calculation", [H + ["calculation"], FIRST + [""], ["calculate", "c", "", "1 + 2"]])
book("header_constraining_message", [H + ["constraint", "constraining_message"], ["integer", "n", "N", ". > 0", "positive"]])
book("header_read_only", [H + ["read_only"], FIRST + ["yes"]])
book("header_count", [H + ["count"], FIRST + [""], ["begin repeat", "r", "R", "2"], ["text", "t", "T", ""], ["end repeat", "", "", ""]])
book("header_jr_count", [H + ["jr:count"], FIRST + [""], ["begin repeat", "r", "R", "2"], ["text", "t", "T", ""], ["end repeat", "", "", ""]])
book("header_no_app_error_string", [H + ["no_app_error_string"], FIRST + ["oops"]])
book("header_required_message", [H + ["required", "required_message"], FIRST + ["yes", "needed"]])
book("header_requiredmsg", [H + ["required", "requiredMsg"], FIRST + ["yes", "needed"]])
book("header_bind_prefix", [H + ["bind::relevant"], FIRST + [""], ["text", "second", "Second", "${first} != ''"]])
book("header_spaced_mixed_case", [["Type", "Name", "Label"], FIRST])
book("header_label_language", [["type", "name", "label::English (en)", "label::Chinese (zh)"], ["text", "first", "First", "第一"]])
book("header_disabled", [H + ["disabled"], FIRST + [""], ["selfie", "off", "Off", "yes"]])
book("header_relevant_and_relevance", [H + ["relevant", "relevance"], FIRST + ["", ""]])
book("header_media_image", [H + ["image", "media::audio"], FIRST + ["a.png", "a.mp3"]])
book("choices_list_name_spaced", [H, ["select_one yn", "q", "Q"]], choices=[["list name", "name", "label"], ["yn", "yes", "Yes"]])
book("choices_value_caption", [H, ["select_one yn", "q", "Q"]], choices=[["list_name", "value", "caption"], ["yn", "yes", "Yes"]])
book("choices_no_name_column", [H, ["select_one yn", "q", "Q"]], choices=[["list_name", "label"], ["yn", "Yes"]])
book("choices_duplicate", [H, ["select_one yn", "q", "Q"]], choices=[["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "yes", "Again"]])
book("settings_set_form_title", [H, FIRST], settings=[["set_form_title", "set_form_id"], ["Title", "the_id"]])
book("settings_on_survey_sheet", [H, ["form_title", "A title", ""], ["form_id", "an_id", ""], FIRST])
book("settings_prefix_on_survey", [H, ["prefix", "pre", ""], FIRST])

# Header and structure errors.
book("error_no_type_column", [["name", "label"], ["first", "First"]])
book("error_no_name_column", [["type", "label"], ["text", "First"]])
book("error_no_label_column", [["type", "name"], ["text", "first"]])
book("error_unclosed_group", [H, ["begin group", "g", "G"], FIRST])
book("error_end_without_begin", [H, FIRST, ["end group", "", ""]])
book("error_end_repeat_closes_group", [H, ["begin group", "g", "G"], FIRST, ["end repeat", "", ""]])
book("error_duplicate_name", [H, FIRST, ["integer", "first", "Again"]])
book("error_duplicate_name_other_group", [H, FIRST, ["begin group", "g", "G"], ["integer", "first", "Again"], ["end group", "", ""]])
book("error_bad_name", [H, ["text", "two words", "Two"]])
book("error_survey_sheet_empty", [[]])

# An old .xls whose sheet declares a large formatted-but-empty range.
try:
    import xlwt
except ImportError:
    sys.exit("xlwt is needed for the .xls files")
wb = xlwt.Workbook()
ws = wb.add_sheet("survey")
for r, row in enumerate([H, FIRST, ["integer", "age", "Age"]]):
    for c, v in enumerate(row):
        ws.write(r, c, v)
style = xlwt.easyxf("pattern: pattern solid, fore_colour yellow")
# Formatted cells that look empty, the last at row 19,999, column IV: a
# blank (BLANK record) and a lone space (LABELSST, a cell calamine keeps).
ws.write(19_998, 254, None, style)
ws.write(19_998, 255, " ", style)
c = wb.add_sheet("choices")
for r, row in enumerate(CHOICES):
    for i, v in enumerate(row):
        c.write(r, i, v)
wb.save(os.path.join(HERE, "xls_large_formatted_range.xls"))


# No name column: notes only (pyxform names them), and a question too.
book("no_name_column_notes_only", [["type", "label"], ["note", "Welcome"], ["note", "Thank you"]])
book("no_name_column_with_question", [["type", "label"], ["note", "Welcome"], ["text", "Your name?"]])

# Names: XML names (letters of any script, `:` and `.` inside), unique
# within their group; a reference to a name used twice is ambiguous.
book("name_chinese", [H, ["text", "名字", "Name"]])
book("name_colon", [H, ["text", "a:b", "A"]])
book("name_dot", [H, ["text", "a.b", "A"]])
book("name_dash_start", [H, ["text", "-a", "A"]])
book("name_digit_start", [H, ["text", "1a", "A"]])
book("group_names_repeated_in_other_groups", [H, ["begin group", "g", "G"], ["text", "a", "A"], ["end group", "", ""],
                                              ["begin group", "h", "H"], ["begin group", "g", "G2"], ["text", "b", "B"],
                                              ["end group", "", ""], ["end group", "", ""]])
book("reference_to_repeated_name", [H + ["relevant"], ["text", "a", "A", ""], ["begin group", "g", "G", ""], ["text", "a", "A2", ""],
                                    ["end group", "", "", ""], ["text", "b", "B", "${a} = '1'"]])
book("reference_unknown", [H + ["relevant"], ["text", "a", "A", ""], ["text", "b", "B", "${zz} = 1"]])
book("end_group_named", [H, ["begin group", "g", "G"], ["text", "a", "A"], ["end group", "g", ""]])
book("repeat_without_label", [H, ["begin repeat", "r", ""], ["text", "a", "A"], ["end repeat", "", ""]])
book("group_without_label", [H, ["begin group", "g", ""], ["text", "a", "A"], ["end group", "", ""]])
book("note_unnamed_in_group", [H, ["begin group", "g", "G"], ["note", "", "N"], ["end group", "", ""]])
book("select_multiple_or_other", [H, ["select_multiple yn or_other", "a", "A"]])
book("select_without_list", [H, ["select_one", "a", "A"]])
book("hint_without_label", [["type", "name", "hint"], ["text", "a", "A hint"]])
book("label_in_one_language", [["type", "name", "label::French (fr)"], ["text", "a", "Un"]])
book("type_spaces_around", [H, ["text ", "a", "A"], ["select_one  yn", "b", "B"], ["begin  group", "g", "G"], ["text", "c", "C"], ["end  group", "", ""]])
book("required_spellings", [H + ["required"], ["text", "a", "A", "TRUE"], ["text", "b", "B", "${a} = ''"], ["text", "c", "C", "false()"]])
book("duplicate_language_column", [["type", "name", "label::en", "label::en"], ["text", "a", "A", "B"]])
book("choices_empty_name", [H, ["select_one yn", "a", "A"]], choices=[["list_name", "name", "label"], ["yn", "", "Yes"]])
book("choices_without_label", [H, ["select_one yn", "a", "A"]], choices=[["list_name", "name"], ["yn", "yes"]])
book("choices_without_list_name_unused", [H, ["text", "a", "A"]], choices=[["name", "label"], ["yes", "Yes"]])
book("calculate_with_plain_default", [H + ["default"], ["calculate", "c", "", "1"]])
book("calculate_with_dynamic_default", [H + ["default"], ["calculate", "c", "", "now()"]])
# parameters
book("range_parameters", [H + ["parameters"], ["range", "a", "A", "start=1 end=10 step=1"]])
book("range_parameter_not_a_number", [H + ["parameters"], ["range", "a", "A", "start=x"]])
book("range_step_zero", [H + ["parameters"], ["range", "a", "A", "start=1 end=10 step=0"]])
book("range_unknown_parameter", [H + ["parameters"], ["range", "a", "A", "start=1 foo=2"]])
book("select_parameter_randomize", [H + ["parameters"], ["select_one yn", "a", "A", "randomize=true seed=3"]])
book("select_unknown_parameter", [H + ["parameters"], ["select_one yn", "a", "A", "foo=1"]])
book("text_unknown_parameter", [H + ["parameters"], ["integer", "a", "A", "foo=1"]])
