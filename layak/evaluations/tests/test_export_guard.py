"""Issue #11, finding 10: the instrument and recap workbooks go through the one writer, so a
text that looks like a formula is text in the file; importing an exported instrument gives the
same texts back (the apostrophe of the guard is removed on reading)."""

from __future__ import annotations

import io

import openpyxl
from django.test import TestCase, override_settings

from layak.evaluations.instruments import instrument_export
from layak.evaluations.models import Instrument, Question
from layak.evaluations.spreadsheet import read_xlsx
from layak.evaluations.tests.factories import make_instrument
from layak.evaluations.tests.test_instruments import do_import, rename

FORMULA = '=HYPERLINK("http://x","y")'


@override_settings(LANGUAGE_CODE="en")
class InstrumentFormulaTests(TestCase):
    instrument: Instrument

    @classmethod
    def setUpTestData(cls) -> None:
        cls.instrument = make_instrument(name="Instrumen asal")
        question = Question.objects.filter(instrument=cls.instrument).order_by("pk").first()
        assert question is not None
        Question.objects.filter(pk=question.pk).update(text=FORMULA)

    def test_a_formula_like_text_is_text_in_the_workbook_and_survives_a_round_trip(self) -> None:
        content = instrument_export(self.instrument)
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row]
        self.assertFalse([c.coordinate for c in cells if c.data_type == "f"])
        guarded = [c for c in cells if c.value == "'" + FORMULA]
        self.assertEqual(len(guarded), 1)
        self.assertEqual(guarded[0].data_type, "s")
        copied = do_import(rename(read_xlsx(io.BytesIO(content)), "Instrumen salinan"))
        self.assertTrue(Question.objects.filter(instrument=copied, text=FORMULA).exists())
