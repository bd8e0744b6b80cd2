/* A descriptor whose name is not its file's: refused. */
#include <nethost/plugin.h>

NH_PLUGIN_DEFINE(.name = "somethingelse", .version = "0", .summary = "test: wrong name");
