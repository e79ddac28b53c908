(;FF[4]AP[tengen:0.1]CA[UTF-8]DT[2026-11-22]GM[1]KM[1]RU[Chinese]SZ[9])
