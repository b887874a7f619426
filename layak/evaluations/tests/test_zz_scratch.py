from django.db import connection
from django.test.utils import CaptureQueriesContext
from layak.evaluations.tests import test_views as tv


class ScratchTests(tv.QueryCountTests):
    def test_x(self) -> None:
        c = tv.client_of(self.world.secretariat)
        for cyc in (self.world.cycle, self.bigger):
            c.get(f"/evaluation/cycles/{cyc.pk}/")
            with CaptureQueriesContext(connection) as q:
                c.get(f"/evaluation/cycles/{cyc.pk}/")
            print("=====", len(q))
            for x in q.captured_queries:
                print(x["sql"][:300])
