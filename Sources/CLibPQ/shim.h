#ifndef FISCAL_CLIBPQ_SHIM_H
#define FISCAL_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
