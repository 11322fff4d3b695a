#ifndef HELIO_CLIBPQ_SHIM_H
#define HELIO_CLIBPQ_SHIM_H
// libpq, imported whole; HelioPostgres is the only target that calls it.
#include <libpq-fe.h>
#include <poll.h>
#endif
