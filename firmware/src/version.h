#ifndef IOB_VERSION_H
#define IOB_VERSION_H

#define FW_VERSION_MAJOR 0u
#define FW_VERSION_MINOR 1u
#define FW_VERSION_PATCH 0u

#endif
