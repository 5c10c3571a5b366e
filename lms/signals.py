"""Extension signals other apps (basecamp) connect to; lms never imports them.

- module_published: sent by services.module_publish after a module becomes published
  (`sender=Module, module=, user=, note=`).
- module_attempt_finished: a student's attempt ended, completed (status became
  `completed`) or abandoned (skipped, reset or restarted); sent on commit
  (`sender=ModuleProgress, progress=, completed=`).
- section_completed: a section's completion rule was met
  (`sender=ModuleProgress, progress=, section=`), sent on commit.
- quiz_attempt_submitted: a quiz attempt was graded and stored
  (`sender=ModuleQuizAttempt, attempt=, progress=`), sent on commit; the attempt's
  score is already in progress.score / section_state and its counters.
"""

from django.dispatch import Signal

module_published = Signal()
module_attempt_finished = Signal()
section_completed = Signal()
quiz_attempt_submitted = Signal()
