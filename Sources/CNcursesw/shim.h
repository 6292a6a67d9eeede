// ncursesw (Debian: libncursesw5-dev) with the wide-character API, plus inline
// functions for what Swift cannot import: macros and the stdscr global.
#ifndef TALLY_CNCURSESW_SHIM_H
#define TALLY_CNCURSESW_SHIM_H

#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <stdio.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/// Column width of a wide character under the current locale (glibc's table, the one ncurses uses).
extern int wcwidth(wchar_t c);
static inline int tally_wcwidth(int c) { return wcwidth((wchar_t)c); }

static inline WINDOW *tally_stdscr(void) { return stdscr; }
static inline int tally_lines(void) { return LINES; }
static inline int tally_cols(void) { return COLS; }
static inline int tally_getmaxy(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)x; return y; }
static inline int tally_getmaxx(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)y; return x; }
static inline attr_t tally_a_normal(void) { return A_NORMAL; }
static inline attr_t tally_a_bold(void) { return A_BOLD; }
static inline attr_t tally_a_reverse(void) { return A_REVERSE; }
static inline attr_t tally_a_underline(void) { return A_UNDERLINE; }
static inline attr_t tally_a_dim(void) { return A_DIM; }
static inline attr_t tally_a_standout(void) { return A_STANDOUT; }
static inline attr_t tally_color_pair(short n) { return COLOR_PAIR(n); }
static inline int tally_key_resize(void) { return KEY_RESIZE; }

/// Writes one cell: a wide-character string (one spacing character plus combining marks)
/// with attributes and a color pair.
static inline int tally_put_cell(int y, int x, const wchar_t *text, attr_t attrs, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}

/// Starts curses on /dev/null instead of the terminal (for benchmarks): same painting work, no screen.
static inline SCREEN *tally_newterm_headless(const char *term, int rows, int cols) {
    FILE *out = fopen("/dev/null", "w");
    FILE *in = fopen("/dev/null", "r");
    if (out == NULL || in == NULL) return NULL;
    SCREEN *screen = newterm(term, out, in);
    if (screen != NULL) {
        set_term(screen);
        resizeterm(rows, cols);
    }
    return screen;
}

/// Reads back the text ncurses holds for a cell of stdscr (spacing character plus combining marks).
static inline int tally_read_cell(int y, int x, wchar_t *text, int capacity) {
    cchar_t cell;
    attr_t attrs;
    short pair;
    wchar_t buffer[CCHARW_MAX + 1];
    if (capacity < 1 || mvwin_wch(stdscr, y, x, &cell) == ERR) return ERR;
    if (getcchar(&cell, buffer, &attrs, &pair, NULL) == ERR) return ERR;
    int i = 0;
    for (; i < capacity - 1 && i < CCHARW_MAX && buffer[i] != 0; i++) text[i] = buffer[i];
    text[i] = 0;
    return OK;
}

#endif
