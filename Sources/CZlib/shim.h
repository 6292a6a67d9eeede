// zlib's streaming inflate, for reading gzip-compressed JSON Lines (Debian: zlib1g-dev).
#include <zlib.h>
