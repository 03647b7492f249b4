"""The evaluation path: answers scored against expected ones, question sets run, results exported."""
