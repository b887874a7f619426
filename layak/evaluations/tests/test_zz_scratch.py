import time
from layak.evaluations.tests import _world
from layak.core.testing import login


class ScratchTests(_world.WorldTestCase):
    def test_x(self) -> None:
        login(self.client, self.world.secretariat)
        for page in ("", "work/", "gap/", "gap/?target=kla", "what-if/", "recap.xlsx"):
            t = time.time()
            r = self.client.get(f"/evaluation/cycles/{self.world.cycle.pk}/{page}")
            print(page, r.status_code, round(time.time() - t, 2))
