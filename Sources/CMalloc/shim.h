#ifndef PERMISO_CMALLOC_SHIM_H
#define PERMISO_CMALLOC_SHIM_H
#include <malloc.h>
#endif
