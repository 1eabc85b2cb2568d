#ifndef FISCAL_CQRENCODE_SHIM_H
#define FISCAL_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
