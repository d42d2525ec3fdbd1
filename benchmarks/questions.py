"""The real questions the benchmarks ask (ask.py the first five, sweep.py as many as it
needs), kept in one place so their figures stay comparable."""

QUESTIONS = [
    "How do APOE variants relate to hippocampal atrophy and memory decline?",
    "Which genes link dopamine signalling in the striatum to Parkinson's disease symptoms?",
    "How does amygdala activity relate to anxiety and its treatment?",
    "What connects SNCA and the substantia nigra in Parkinson's disease?",
    "How do epilepsy genes relate to hippocampal sclerosis and seizures?",
    "How is cortical thinning related to schizophrenia risk genes?",
    "What links multiple sclerosis lesions to cognitive decline?",
    "How do autism genes relate to cortical connectivity?",
    "How does deep brain stimulation change tremor in Parkinson's disease?",
    "What connects Huntington's disease, HTT and striatal atrophy?",
]
