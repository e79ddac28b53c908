(;FF[4]AB[cc][ce][cg][ec][ee][eg][gc][ge][gg]AP[tengen:0.1]CA[UTF-8]
DT[2026-11-22]GM[1]HA[9]KM[1]RU[Chinese]SZ[9])
