/// TallyIO is the module beneath every other one: what they all need to read and write files the same way.
///
/// It owns durable, atomic file writes; file errors that name the path, what went wrong and what to do;
/// JSON string text; JSONL reading with `FILE:LINE` errors; and text made safe to print on a terminal
/// (``TerminalSanitizer``). It imports only Foundation and the C library.
public enum TallyIO {}
