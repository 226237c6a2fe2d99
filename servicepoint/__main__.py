from servicepoint.cli import main

main()
