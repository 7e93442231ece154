"""The RQ worker of the Procfile: every queue, the scheduler, one app context per job.

A non-forking worker: the app (and heavy modules such as WeasyPrint) are imported once, not in
every job. Jobs take ids and open their own transactions, so nothing leaks between them.
"""
from rq.worker import SimpleWorker

from jiandu.extensions import db
from jiandu.queue import QUEUE_NAMES, redis_connection


class AppWorker(SimpleWorker):
    app = None

    def execute_job(self, job, queue):
        with self.app.app_context():
            try:
                return super().execute_job(job, queue)
            finally:
                db.session.remove()


def run_worker(app, queues=QUEUE_NAMES, burst: bool = False, with_scheduler: bool = True) -> None:
    with app.app_context():
        connection = redis_connection()
        AppWorker.app = app
        worker = AppWorker(list(queues), connection=connection)
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")
