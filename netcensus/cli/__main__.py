from netcensus.cli import main

main(prog_name="netcensus")
