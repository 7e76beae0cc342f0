module gomm.local/bench/syncbench

go 1.19
