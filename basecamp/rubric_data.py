"""Rubric version 1.0: 17 skills in three categories, four levels each.

This module is only the *source* of the data migration that loads the rubric
into `rubric_skills`; at run time the assessor reads the table, so a new rubric
version is new rows (a fixture or an admin import), not new code.

Each skill has: descriptors (what a level looks like, for people), cues (words
showing an entry speaks to the skill at all) and indicators (phrases whose words
appearing together in one sentence point at a level)."""

RUBRIC_VERSION = "1.0"

E, D, P, A = "Emerging", "Developing", "Proficient", "Advanced"


def skill(name, category, description, descriptors, cues, indicators):
    return {
        "name": name, "category": category, "description": description,
        "descriptors": dict(zip((E, D, P, A), descriptors, strict=True)),
        "cues": cues,
        "indicators": dict(zip((E, D, P, A), indicators, strict=True)),
    }


SKILLS = [
    # ---------------------------------------------------------------- SEL
    skill(
        "Self-Awareness", "SEL", "Knowing one's emotions, strengths and limits.",
        ["Rarely names own feelings; blames circumstances.", "Names simple feelings or a strength when asked.",
         "Names specific feelings and how they shape behaviour.", "Uses self-knowledge to reset goals and approach."],
        ["feel", "felt", "emotion", "strength", "weakness", "realize", "myself", "mood", "frustrated", "anxious"],
        [["not my fault", "don't know why", "whatever", "blame"],
         ["i felt sad", "i felt happy", "i was angry", "good at", "bad at", "teacher asked how i felt"],
         ["felt frustrated because", "felt anxious when", "realized that i", "my strength is", "i learn best"],
         ["noticed a pattern in how i", "changed my goal because", "reflecting on why i", "know this about myself so"]],
    ),
    skill(
        "Self-Management", "SEL", "Regulating emotions, stress and effort toward goals.",
        ["Reacts impulsively; gives up at the first difficulty.", "Uses a coping strategy when reminded.",
         "Chooses strategies alone; keeps going on hard tasks.", "Manages pressure ahead of time; tracks long goals."],
        ["calm", "stress", "gave up", "kept going", "goal", "breath", "persist", "upset", "focus"],
        [["gave up", "quit", "stormed out", "lost my temper", "threw"],
         ["reminded me to breathe", "took a break when", "teacher helped me calm"],
         ["kept going even though", "set a goal", "took a deep breath and", "stayed calm", "tried again"],
         ["planned ahead for the stress", "tracked my progress toward", "long-term goal", "before it got overwhelming"]],
    ),
    skill(
        "Social Awareness", "SEL", "Reading others' feelings and perspectives with empathy.",
        ["Misses others' cues; assumes everyone sees it the same way.", "Notices obvious feelings; states another view when asked.",
         "Reads subtle cues; shows empathy; respects differences.", "Seeks out other perspectives; speaks up for others."],
        ["others", "perspective", "empathy", "noticed", "culture", "feelings", "upset", "respect"],
        [["didn't notice", "laughed at", "that's stupid", "everyone thinks like me"],
         ["she was crying", "he looked upset", "from her point of view", "when asked"],
         ["noticed he seemed", "put myself in", "understood why she", "respected their", "empathy"],
         ["stood up for", "made sure everyone was included", "asked quieter", "different cultures"]],
    ),
    skill(
        "Relationship Skills", "SEL", "Communicating, listening and resolving conflict with others.",
        ["Interrupts; avoids or escalates conflict.", "Joins in with structure; resolves small conflicts with help.",
         "Listens actively; gives constructive feedback; compromises.", "Mentors peers; resolves group conflicts."],
        ["friend", "conflict", "listen", "argue", "help", "compromise", "feedback", "together"],
        [["interrupted", "refused to share", "yelled at", "argued with"],
         ["needed the teacher to", "shared when", "said sorry after"],
         ["listened to", "compromise", "gave helpful feedback", "asked for help", "worked it out"],
         ["mentored", "helped two classmates resolve", "brought the group back together", "coached"]],
    ),
    skill(
        "Responsible Decision-Making", "SEL", "Weighing consequences, ethics and safety before choosing.",
        ["Acts without thinking of consequences.", "Lists consequences when prompted.",
         "Weighs ethics and safety; follows problem-solving steps.", "Anticipates long-term effects on the community."],
        ["decide", "decision", "choice", "consequence", "safe", "right thing", "ethical", "choose"],
        [["didn't think about", "just did it", "without thinking", "ignored the rule"],
         ["what could happen if", "safe choice", "when prompted"],
         ["weighed the pros and cons", "considered the consequences", "thought about how it would affect", "right thing"],
         ["long-term consequences", "for the whole community", "ethical", "anticipated"]],
    ),
    # ---------------------------------------------------------------- EF
    skill(
        "Working Memory", "EF", "Holding and using information across steps.",
        ["Loses track of multi-step directions.", "Follows a few steps with repetition.",
         "Follows complex instructions; holds information while working.", "Integrates several sources while juggling tasks."],
        ["remember", "forgot", "steps", "directions", "instructions", "recall", "track"],
        [["forgot the steps", "lost track", "forgot what", "couldn't remember"],
         ["needed the directions repeated", "reminded of the steps", "wrote down the steps"],
         ["remembered all the steps", "followed the instructions", "kept track of"],
         ["combined what we learned", "from the lecture and the reading", "kept several things in mind"]],
    ),
    skill(
        "Inhibitory Control", "EF", "Resisting distraction and impulses.",
        ["Easily distracted; blurts out.", "Ignores small distractions with reminders.",
         "Stays focused despite distractions; thinks before acting.", "Removes distractions; stays composed under pressure."],
        ["distract", "focus", "blurt", "impulse", "phone", "attention", "waited"],
        [["blurted out", "got distracted", "on my phone", "couldn't sit still"],
         ["reminded me to focus", "put my phone away when", "paused before"],
         ["stayed focused even", "waited my turn", "thought before i", "ignored the noise"],
         ["turned off notifications before", "kept my focus the whole", "stayed composed"]],
    ),
    skill(
        "Cognitive Flexibility", "EF", "Adapting to change and trying other approaches.",
        ["Stuck when plans change; one method only.", "Adjusts with encouragement; tries a second way when prompted.",
         "Switches tasks easily; weighs several solutions.", "Reframes problems; comfortable with ambiguity."],
        ["change", "plan", "another way", "different approach", "adapt", "switch", "stuck"],
        [["only one way", "got stuck when", "refused to change", "upset when the plan changed"],
         ["tried a different way after", "with encouragement", "second method"],
         ["tried another approach", "adapted our plan", "switched strategies", "different approach"],
         ["reframed the problem", "looked at it from a completely", "both ideas could be true"]],
    ),
    skill(
        "Planning & Prioritization", "EF", "Making plans and ordering work by importance.",
        ["Starts without a plan; misses deadlines.", "Makes simple plans when told.",
         "Plans multi-step projects; estimates time; prioritizes.", "Makes contingency plans; balances several projects."],
        ["plan", "deadline", "priority", "prioritize", "schedule", "timeline", "first"],
        [["missed the deadline", "no plan", "ran out of time", "last minute"],
         ["made a list when", "teacher helped me plan", "simple plan"],
         ["made a timeline", "prioritized", "broke the project into", "estimated how long"],
         ["backup plan", "contingency", "balanced two projects", "allocated"]],
    ),
    skill(
        "Organization", "EF", "Keeping materials, notes and files in order.",
        ["Loses materials; notes disorganized.", "Stays organized with checks; uses a planner sometimes.",
         "Keeps an organized workspace and clear notes.", "Builds own systems; helps others organize."],
        ["organized", "folder", "notes", "planner", "binder", "files", "lost", "messy"],
        [["lost my", "messy", "couldn't find", "forgot my"],
         ["used my planner", "checked my binder", "sometimes organized"],
         ["kept my notes organized", "color-coded", "organized my folder", "clear notes"],
         ["created a system", "helped others organize", "my own filing system"]],
    ),
    skill(
        "Task Initiation", "EF", "Starting work promptly and without prompting.",
        ["Procrastinates; needs repeated prompts.", "Starts after a prompt or an explicit first step.",
         "Starts promptly on hard tasks; finds a first step.", "Launches self-directed projects; motivates others."],
        ["start", "started", "procrastinat", "began", "first step", "right away", "prompt"],
        [["procrastinated", "didn't start", "put it off", "waited until"],
         ["started after", "once the teacher told", "after a reminder"],
         ["started right away", "got started on my own", "first step was", "began immediately"],
         ["started my own project", "got the group started", "several ways to start"]],
    ),
    # ---------------------------------------------------------------- 21st century
    skill(
        "Critical Thinking", "21st_Century", "Analysing information and building reasoned arguments.",
        ["Accepts information at face value.", "Separates fact and opinion with prompting.",
         "Compares sources, checks credibility, argues with evidence.", "Tests hypotheses; challenges assumptions."],
        ["evidence", "source", "argument", "reason", "because", "analyze", "fact", "opinion", "hypothesis"],
        [["believed it because", "just true", "didn't question"],
         ["fact or opinion", "questioned when", "one source"],
         ["compared sources", "evidence shows", "credible", "analyzed the data", "our reasoning"],
         ["tested our hypothesis", "challenged the assumption", "synthesized", "conflicting evidence"]],
    ),
    skill(
        "Communication", "21st_Century", "Expressing ideas clearly for an audience.",
        ["Ideas unclear or incomplete; avoids speaking.", "Conveys basic information; speaks when called on.",
         "Explains complex ideas clearly; adapts to the audience.", "Persuades and inspires; communicates across cultures."],
        ["explain", "present", "presentation", "spoke", "wrote", "audience", "clearly", "slides"],
        [["mumbled", "didn't speak", "hard to understand", "read off the slides"],
         ["spoke when called", "explained the basics", "answered a question"],
         ["explained clearly", "adjusted for the audience", "answered questions confidently", "clear presentation"],
         ["persuaded", "inspired the audience", "compelling", "rhetorical"]],
    ),
    skill(
        "Collaboration", "21st_Century", "Working with others toward shared goals.",
        ["Dominates or withdraws; focuses only on own part.", "Works in a group with clear roles and supervision.",
         "Shares responsibility; integrates others' ideas.", "Leads the group; builds a shared vision."],
        ["team", "group", "together", "partner", "collaborat", "roles", "everyone"],
        [["did it all myself", "didn't help the group", "only my part", "took over"],
         ["assigned roles", "when the teacher assigned", "contributed when asked"],
         ["shared the work", "built on her idea", "built on his idea", "worked together", "divided the tasks"],
         ["led the team", "shared vision", "made sure every voice", "organized the group"]],
    ),
    skill(
        "Creativity & Innovation", "21st_Century", "Generating and refining original ideas.",
        ["Copies existing ideas.", "Tries a new idea with a specific prompt.",
         "Generates original solutions; refines from feedback.", "Connects unrelated ideas into novel solutions."],
        ["idea", "creative", "design", "invent", "original", "new way", "prototype", "brainstorm"],
        [["copied", "same as the example", "couldn't think of"],
         ["tried a new idea when", "brainstormed a few"],
         ["came up with an original", "improved the design after feedback", "prototype", "new way to"],
         ["combined ideas from", "never been done", "novel", "unexpected connection"]],
    ),
    skill(
        "Digital Literacy", "21st_Century", "Using digital tools safely, ethically and well.",
        ["Uses technology for entertainment only; unsafe online.", "Uses required software; basic password safety.",
         "Uses many tools for research and creation; good digital citizenship.", "Evaluates media for bias; troubleshoots tools."],
        ["computer", "online", "software", "website", "digital", "spreadsheet", "code", "password", "app"],
        [["shared my password", "just played games", "couldn't save the file"],
         ["used the school software", "needed help finding a reliable website"],
         ["used a spreadsheet to", "cited the website", "coded", "researched online"],
         ["fixed the bug", "checked the website for bias", "troubleshot", "automated"]],
    ),
    skill(
        "Global Awareness", "21st_Century", "Understanding global issues and other cultures.",
        ["Focuses on local issues only.", "Names a few global issues; curious about other cultures.",
         "Understands connected global issues; respects other cultures.", "Advocates for solutions to global challenges."],
        ["world", "global", "culture", "country", "climate", "community", "international"],
        [["doesn't matter to us", "only care about here"],
         ["other countries", "learned a fact about", "curious about"],
         ["climate change affects", "connected to other countries", "respect other cultures"],
         ["advocated for", "global solution", "through a global lens"]],
    ),
]

assert len(SKILLS) == 17


def load(rubric_model, version=RUBRIC_VERSION):
    """Write this rubric into `rubric_model` (the migration's historical model or
    the live one); safe to run again."""
    for position, data in enumerate(SKILLS, start=1):
        rubric_model.objects.update_or_create(
            rubric_version=version, name=data["name"],
            defaults={
                "category": data["category"], "position": position, "description": data["description"],
                "descriptors": data["descriptors"], "indicators": data["indicators"], "cues": data["cues"],
            },
        )
