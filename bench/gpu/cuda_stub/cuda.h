// See cuda_runtime_api.h beside this file.
#pragma once
